// RingQueue: what the bounded queues (mpmc_queue, spsc_queue) share. Their state holds `buffer`,
// 2^k slots allocated with it, and `mask` = 2^k - 1 (index = position & mask); blocking push/pop
// spin on Derived's try_push/try_pop. Derived initialises its own indices after create_ring().
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>

#include "unimem/containers/detail/region_object.hpp"
#include "unimem/core/config.hpp"
#include "unimem/core/error.hpp"
#include "unimem/thread/this_thread.hpp"

namespace unimem::detail {

template <class Derived, class State, class Slot, class T, class A>
class RingQueue : public RegionObject<Derived, State, A> {
  using base = RegionObject<Derived, State, A>;

 public:
  using value_type = T;
  using size_type = std::size_t;

  void destroy() noexcept {
    if (!base::claim_state()) return;
    (void)this->a_.deallocate(this->s_->buffer.template cast<void>());
    base::release_state();
  }
  UNIMEM_HOST_DEVICE size_type capacity() const noexcept { return this->s_->mask + 1; }
  UNIMEM_HOST_DEVICE bool empty() const noexcept { return self().size() == 0; }
  /// @brief Blocks (spinning, yielding) until there is room.
  UNIMEM_HOST_DEVICE void push(const T &v) noexcept {
    while (!self().try_push(v)) this_thread::yield();
  }
  /// @brief Blocks (spinning, yielding) until there is an element.
  UNIMEM_HOST_DEVICE T pop() noexcept {
    T v;
    while (!self().try_pop(v)) this_thread::yield();
    return v;
  }

 protected:
  /// Slots a region (at most 2^47 bytes) can hold.
  static constexpr std::uint64_t kMaxSlots = (std::uint64_t{1} << 47) / sizeof(Slot);

  RingQueue() = default;
  UNIMEM_HOST_DEVICE RingQueue(State *s, AllocatorRef<A> a) noexcept : base(s, a) {}

  /// A stamped state whose buffer holds @p requested slots rounded up to a power of two (at least
  /// 2); invalid_argument for 0 or more than a region holds, out_of_memory when there is no room.
  static Result<State *> create_ring(const AllocatorRef<A> &a, std::size_t requested) {
    if (requested == 0 || requested > kMaxSlots) {
      return Error(Errc::invalid_argument, std::string(Derived::kName) + ": capacity " + std::to_string(requested) +
                                               " is zero or larger than a region");
    }
    std::uint64_t cap = 2;
    while (cap < requested) cap <<= 1;
    auto s = base::new_state(a);
    if (!s) return s.error();
    const OffsetPtr<void> buffer = a.allocate(cap * sizeof(Slot), alignof(Slot));
    if (buffer.is_null()) {
      destroy_state(a, *s);
      return Error(Errc::out_of_memory, std::string(Derived::kName) + ": no room for " + std::to_string(cap) + " slots");
    }
    (*s)->buffer = buffer.template cast<Slot>();
    (*s)->mask = cap - 1;
    return s;
  }

 protected:
  /// What is out of range in a state another process wrote, or null (attach's check): at least
  /// two slots (with one, a push's sequence number would equal the next ticket), a power of two.
  static const char *damage(A &alloc, const State &s) {
    const std::uint64_t cap = s.mask + 1;
    if (cap < 2 || !std::has_single_bit(cap) || cap > kMaxSlots) {
      return "slot count is not a power of two of at least 2";
    }
    if (!holds_range(alloc, s.buffer.offset(), cap * sizeof(Slot), alignof(Slot))) return "slot buffer outside the region";
    return nullptr;
  }

 private:
  UNIMEM_HOST_DEVICE Derived &self() noexcept { return static_cast<Derived &>(*this); }
  UNIMEM_HOST_DEVICE const Derived &self() const noexcept { return static_cast<const Derived &>(*this); }
};

}  // namespace unimem::detail
