// spsc_queue<T, A>: a bounded ring for exactly one producer and one consumer at a time, which may
// be in different processes or on different sides of the host/device boundary. Lamport's ring,
// with each side caching the other's index so that it touches the shared line only when the cached
// value says full (producer) or empty (consumer).
//
// Layout (in the region):
//   struct state { uint64 tag; OffsetPtr<T> buffer; uint64 mask;
//                  alignas(64) Atomic<uint64> tail; uint64 head_cache;   producer's line
//                  alignas(64) Atomic<uint64> head; uint64 tail_cache; } consumer's line
// Invariants: head <= tail <= head + capacity; [head, tail) mod capacity holds the elements.
// Only the producer writes tail and head_cache; only the consumer writes head and tail_cache.
// Ordering: the producer writes the element, then tail with release; the consumer acquires tail,
// reads, then releases head, which the producer acquires before it reuses the slot.
// Progress: wait-free. Two producers (or two consumers) at once are a race: use mpmc_queue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <type_traits>

#include "unimem/containers/detail/ring.hpp"
#include "unimem/core/config.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/thread/atomic.hpp"

namespace unimem {
namespace detail {
template <class T>
struct spsc_state {
  std::uint64_t tag;
  OffsetPtr<T> buffer;
  std::uint64_t mask;
  alignas(64) Atomic<std::uint64_t> tail;
  std::uint64_t head_cache;
  alignas(64) Atomic<std::uint64_t> head;
  std::uint64_t tail_cache;
};
}  // namespace detail

template <class T, class A = ThreadLocalAllocator>
class spsc_queue : public detail::RingQueue<spsc_queue<T, A>, detail::spsc_state<T>, T, T, A> {
  static_assert(std::is_trivially_copyable_v<T>, "unimem::spsc_queue<T>: T must be trivially copyable");
  using base = detail::RingQueue<spsc_queue<T, A>, detail::spsc_state<T>, T, T, A>;
  using base::a_;
  using base::s_;

 public:
  using typename base::size_type;
  using typename base::state;
  static constexpr std::uint64_t kTypeTag = detail::type_tag<T>("unimem::spsc_queue");
  static constexpr std::string_view kName = "spsc_queue";
  template <class B>
  using rebound = spsc_queue<T, B>;

  spsc_queue() = default;

  /// @brief A queue of @p capacity elements (rounded up to a power of two, at least 2).
  static Result<spsc_queue> create(A &alloc, size_type capacity) {
    const detail::AllocatorRef<A> a(alloc);
    auto s = base::create_ring(a, capacity);
    if (!s) return s.error();
    (*s)->tail.store(0, std::memory_order_relaxed);
    (*s)->head.store(0, std::memory_order_release);
    return spsc_queue(*s, a);
  }
  UNIMEM_HOST_DEVICE size_type size() const noexcept {
    const std::uint64_t head = s_->head.load(std::memory_order_acquire);
    return static_cast<size_type>(s_->tail.load(std::memory_order_acquire) - head);
  }

  /// @brief Producer only. @return false if the queue is full.
  UNIMEM_HOST_DEVICE bool try_push(const T &v) noexcept {
    const std::uint64_t tail = s_->tail.load(std::memory_order_relaxed);
    if (tail - s_->head_cache > s_->mask) {
      s_->head_cache = s_->head.load(std::memory_order_acquire);
      if (tail - s_->head_cache > s_->mask) return false;
    }
    ::new (a_.address(s_->buffer) + (tail & s_->mask)) T(v);
    s_->tail.store(tail + 1, std::memory_order_release);
    return true;
  }
  /// @brief Consumer only. @return false if the queue is empty.
  UNIMEM_HOST_DEVICE bool try_pop(T &out) noexcept {
    const std::uint64_t head = s_->head.load(std::memory_order_relaxed);
    if (head == s_->tail_cache) {
      s_->tail_cache = s_->tail.load(std::memory_order_acquire);
      if (head == s_->tail_cache) return false;
    }
    out = a_.address(s_->buffer)[head & s_->mask];
    s_->head.store(head + 1, std::memory_order_release);
    return true;
  }

 private:
  template <class, class, class>
  friend class detail::RegionObject;
  UNIMEM_HOST_DEVICE spsc_queue(state *s, detail::AllocatorRef<A> a) noexcept : base(s, a) {}
};

}  // namespace unimem
