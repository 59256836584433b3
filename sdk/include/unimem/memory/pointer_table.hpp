// PointerTable: the allocator-id -> region-base table as a trivially copyable view, so a kernel
// resolves a ShmPtr exactly as the host does: one bounds check and one load. The manager owns the
// host table; DevicePointerTable owns a copy in device memory with the device-side bases.
#pragma once

#include <atomic>
#include <cstdint>
#include <type_traits>

#include "unimem/core/config.hpp"
#include "unimem/memory/shm_ptr.hpp"
#include "unimem/thread/detail/atomic_ops.hpp"

namespace unimem {

struct PointerTable {
  /// An id with no base here (not registered, or not visible on this side). 0 is a valid base: the
  /// MallocAllocator's offsets are addresses.
  static constexpr std::uint64_t kNoBase = ~std::uint64_t{0};

  const std::uint64_t *bases = nullptr;  ///< bases[id] = region start, or kNoBase
  std::uint32_t capacity = 0;

  /// @return the base of allocator @p id, or kNoBase.
  UNIMEM_HOST_DEVICE std::uint64_t base(AllocatorId id) const noexcept {
    if (id.value >= capacity) return kNoBase;
    // Acquire pairs with the manager's release store at registration (host table).
    return detail::atomic_load<thread_scope::system>(bases + id.value, std::memory_order_acquire);
  }
  /// @return the address of @p p here, or nullptr when p is null or its allocator has no base here.
  template <class T>
  UNIMEM_HOST_DEVICE T *resolve(const ShmPtr<T> &p) const noexcept {
    const std::uint64_t b = base(p.alloc);
    return (b != kNoBase && !p.is_null()) ? reinterpret_cast<T *>(b + p.off.offset()) : nullptr;
  }
};

static_assert(std::is_trivially_copyable_v<PointerTable>);

}  // namespace unimem
