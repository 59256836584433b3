// Dim3: a grid or block extent, or an index inside one (CUDA's dim3, one layout on host and device).
#pragma once

#include <cstdint>

#include "unimem/core/config.hpp"

namespace unimem {

struct Dim3 {
  std::uint32_t x = 1, y = 1, z = 1;

  constexpr Dim3() = default;
  UNIMEM_HOST_DEVICE constexpr Dim3(std::uint32_t x_, std::uint32_t y_ = 1, std::uint32_t z_ = 1) noexcept
      : x(x_), y(y_), z(z_) {}

  /// @brief x * y * z.
  UNIMEM_HOST_DEVICE constexpr std::uint64_t count() const noexcept { return std::uint64_t{x} * y * z; }
  /// @brief This index linearised inside @p extent, x fastest (CUDA's order).
  UNIMEM_HOST_DEVICE constexpr std::uint64_t linear_in(Dim3 extent) const noexcept {
    return (std::uint64_t{z} * extent.y + y) * extent.x + x;
  }
  /// @brief The index whose linear_in(extent) is @p i.
  UNIMEM_HOST_DEVICE static constexpr Dim3 from_linear(std::uint64_t i, Dim3 extent) noexcept {
    return {static_cast<std::uint32_t>(i % extent.x), static_cast<std::uint32_t>(i / extent.x % extent.y),
            static_cast<std::uint32_t>(i / extent.x / extent.y)};
  }
  UNIMEM_HOST_DEVICE friend constexpr bool operator==(Dim3 a, Dim3 b) noexcept {
    return a.x == b.x && a.y == b.y && a.z == b.z;
  }
};

}  // namespace unimem
