// AtomicOffsetPtr<T>: an OffsetPtr updated atomically (system scope), for lock-free structures in
// shared regions: list heads, queue links. Same 8-byte layout as OffsetPtr.
#pragma once

#include <atomic>
#include <cstdint>

#include "unimem/core/config.hpp"
#include "unimem/memory/offset_ptr.hpp"
#include "unimem/thread/atomic.hpp"

namespace unimem {

template <class T>
class AtomicOffsetPtr {
 public:
  AtomicOffsetPtr() noexcept = default;
  UNIMEM_HOST_DEVICE constexpr explicit AtomicOffsetPtr(OffsetPtr<T> p) noexcept : v_(p.offset()) {}

  UNIMEM_HOST_DEVICE OffsetPtr<T> load(std::memory_order o) const noexcept { return OffsetPtr<T>(v_.load(o)); }
  UNIMEM_HOST_DEVICE void store(OffsetPtr<T> p, std::memory_order o) noexcept { v_.store(p.offset(), o); }
  UNIMEM_HOST_DEVICE OffsetPtr<T> exchange(OffsetPtr<T> p, std::memory_order o) noexcept {
    return OffsetPtr<T>(v_.exchange(p.offset(), o));
  }
  /// On failure @p expected receives the value seen.
  UNIMEM_HOST_DEVICE bool compare_exchange_strong(OffsetPtr<T> &expected, OffsetPtr<T> desired,
                                                  std::memory_order o) noexcept {
    std::uint64_t e = expected.offset();
    const bool ok = v_.compare_exchange_strong(e, desired.offset(), o);
    expected = OffsetPtr<T>(e);
    return ok;
  }

 private:
  Atomic<std::uint64_t> v_;
};

static_assert(sizeof(AtomicOffsetPtr<int>) == 8);

}  // namespace unimem
