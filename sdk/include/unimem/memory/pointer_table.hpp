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
  const std::uint64_t *bases = nullptr;  ///< bases[id] = region start, 0 when id is not registered
  std::uint32_t capacity = 0;

  UNIMEM_HOST_DEVICE char *base(AllocatorId id) const noexcept {
    if (id.value >= capacity) return nullptr;
    // Acquire pairs with the manager's release store at registration (host table).
    return reinterpret_cast<char *>(detail::atomic_load<thread_scope::system>(bases + id.value, std::memory_order_acquire));
  }
  /// @return the address of @p p here, or nullptr when p is null or its allocator is not in the table.
  template <class T>
  UNIMEM_HOST_DEVICE T *resolve(const ShmPtr<T> &p) const noexcept {
    char *b = base(p.alloc);
    return (b && !p.is_null()) ? p.off.get_unchecked(b) : nullptr;
  }
};

static_assert(std::is_trivially_copyable_v<PointerTable>);

}  // namespace unimem
