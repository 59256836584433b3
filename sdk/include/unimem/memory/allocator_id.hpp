// AllocatorId / BackendId: small integers the application chooses, the same in every process, that
// index the manager's tables directly (one look-up, no hashing). unimem departs here from the
// seed's (major, minor) pair: a dense index is what makes resolution one load on host and device.
// The tag keeps the two kinds of id from being mixed up.
#pragma once

#include <cstdint>

#include "unimem/core/config.hpp"

namespace unimem {

template <class Tag>
struct DenseId {
  static constexpr std::uint32_t kNull = ~std::uint32_t{0};
  std::uint32_t value = kNull;

  UNIMEM_HOST_DEVICE constexpr bool is_null() const noexcept { return value == kNull; }
  UNIMEM_HOST_DEVICE friend constexpr bool operator==(DenseId a, DenseId b) noexcept { return a.value == b.value; }
};

using AllocatorId = DenseId<struct AllocatorIdTag>;
using BackendId = DenseId<struct BackendIdTag>;

}  // namespace unimem
