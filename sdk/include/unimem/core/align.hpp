// Alignment and power-of-two helpers, usable on host and device. Every rounding function has a
// checked twin for sizes that come from users, because rounding up can wrap around zero.
#pragma once

#include <cstddef>
#include <cstdint>

#include "unimem/core/config.hpp"

namespace unimem {

UNIMEM_HOST_DEVICE constexpr bool is_pow2(std::uint64_t x) noexcept { return x != 0 && (x & (x - 1)) == 0; }

/// @brief Rounds @p x down to a multiple of @p a (a power of two).
UNIMEM_HOST_DEVICE constexpr std::uint64_t align_down(std::uint64_t x, std::uint64_t a) noexcept {
  return x & ~(a - 1);
}

/// @brief Rounds @p x up to a multiple of @p a (a power of two); wraps if the result exceeds 2^64-1.
UNIMEM_HOST_DEVICE constexpr std::uint64_t align_up(std::uint64_t x, std::uint64_t a) noexcept {
  return (x + (a - 1)) & ~(a - 1);
}

/// @brief align_up that reports overflow instead of wrapping.
/// @return false (and leaves @p out untouched) when the rounded value does not fit in 64 bits.
UNIMEM_HOST_DEVICE constexpr bool checked_align_up(std::uint64_t x, std::uint64_t a, std::uint64_t &out) noexcept {
  if (x > ~std::uint64_t{0} - (a - 1)) return false;
  out = align_up(x, a);
  return true;
}

UNIMEM_HOST_DEVICE constexpr bool is_aligned(std::uint64_t x, std::uint64_t a) noexcept { return (x & (a - 1)) == 0; }

inline bool is_aligned(const void *p, std::uint64_t a) noexcept {
  return is_aligned(reinterpret_cast<std::uintptr_t>(p), a);
}

/// @brief Smallest power of two >= x (x = 0 gives 1); 0 when the result does not fit.
UNIMEM_HOST_DEVICE constexpr std::uint64_t ceil_pow2(std::uint64_t x) noexcept {
  if (x <= 1) return 1;
  if (x > (std::uint64_t{1} << 63)) return 0;
  std::uint64_t p = 1;
  while (p < x) p <<= 1;
  return p;
}

}  // namespace unimem
