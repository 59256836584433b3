// ShmPtr<T> = {allocator id, offset}: meaningful in every process that registered the allocator and
// in every kernel that has the manager's device table. Resolve it with MemoryManager::to_address on
// the host or PointerTable::resolve anywhere.
#pragma once

#include <cstdint>
#include <type_traits>

#include "unimem/core/config.hpp"
#include "unimem/memory/allocator_id.hpp"
#include "unimem/memory/offset_ptr.hpp"

namespace unimem {

template <class T>
struct ShmPtr {
  AllocatorId alloc{};
  std::uint32_t reserved = 0;  ///< keeps the layout 16 bytes with no padding of unknown content
  OffsetPtr<T> off{};

  UNIMEM_HOST_DEVICE constexpr bool is_null() const noexcept { return off.is_null(); }
  UNIMEM_HOST_DEVICE constexpr explicit operator bool() const noexcept { return !is_null(); }

  template <class U>
  UNIMEM_HOST_DEVICE constexpr ShmPtr<U> cast() const noexcept {
    return ShmPtr<U>{alloc, 0, off.template cast<U>()};
  }
  UNIMEM_HOST_DEVICE friend constexpr bool operator==(const ShmPtr &a, const ShmPtr &b) noexcept {
    return a.alloc == b.alloc && a.off == b.off;
  }
};

static_assert(std::is_trivially_copyable_v<ShmPtr<int>> && sizeof(ShmPtr<int>) == 16);

}  // namespace unimem
