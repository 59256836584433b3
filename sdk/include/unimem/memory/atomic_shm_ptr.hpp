// AtomicShmPtr<T>: a ShmPtr updated atomically. 128-bit atomics are not portable to GPUs, so the
// pointer is packed into one 64-bit word: [63..48] allocator id, [47..0] offset; all ones is null.
// Only ids below 0xffff and offsets below 2^48 - 1 fit (regions are at most 2^47 bytes anyway);
// storing any other pointer is refused (store/compare_exchange return false), never truncated.
#pragma once

#include <atomic>
#include <cstdint>

#include "unimem/core/config.hpp"
#include "unimem/memory/shm_ptr.hpp"
#include "unimem/thread/atomic.hpp"

namespace unimem {

template <class T>
class AtomicShmPtr {
 public:
  static constexpr std::uint64_t kNullWord = ~std::uint64_t{0};
  static constexpr std::uint64_t kOffsetMask = (std::uint64_t{1} << 48) - 1;

  AtomicShmPtr() noexcept = default;

  UNIMEM_HOST_DEVICE static constexpr bool representable(const ShmPtr<T> &p) noexcept {
    return p.is_null() || (p.alloc.value < 0xffffu && p.off.offset() < kOffsetMask);
  }
  UNIMEM_HOST_DEVICE static constexpr std::uint64_t pack(const ShmPtr<T> &p) noexcept {
    return p.is_null() ? kNullWord : (std::uint64_t{p.alloc.value} << 48) | p.off.offset();
  }
  UNIMEM_HOST_DEVICE static constexpr ShmPtr<T> unpack(std::uint64_t w) noexcept {
    if (w == kNullWord) return ShmPtr<T>{};
    return ShmPtr<T>{AllocatorId{static_cast<std::uint32_t>(w >> 48)}, 0, OffsetPtr<T>(w & kOffsetMask)};
  }

  UNIMEM_HOST_DEVICE ShmPtr<T> load(std::memory_order o) const noexcept { return unpack(v_.load(o)); }
  /// @return false (nothing stored) when @p p is not representable.
  UNIMEM_HOST_DEVICE bool store(const ShmPtr<T> &p, std::memory_order o) noexcept {
    if (!representable(p)) return false;
    v_.store(pack(p), o);
    return true;
  }
  /// On failure @p expected receives the value seen; an unrepresentable @p desired fails unchanged.
  UNIMEM_HOST_DEVICE bool compare_exchange_strong(ShmPtr<T> &expected, const ShmPtr<T> &desired,
                                                  std::memory_order o) noexcept {
    if (!representable(desired) || !representable(expected)) return false;
    std::uint64_t e = pack(expected);
    const bool ok = v_.compare_exchange_strong(e, pack(desired), o);
    expected = unpack(e);
    return ok;
  }

 private:
  Atomic<std::uint64_t> v_;
};

static_assert(sizeof(AtomicShmPtr<int>) == 8);

}  // namespace unimem
