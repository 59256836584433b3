// Eight one-byte lanes in a 64-bit word, tested all at once with integer arithmetic (SWAR), so the
// same code probes a group of map slots on the host and in a kernel, where no SSE exists. A lane
// mask has the high bit of each selected byte set.
#pragma once

#include <cstdint>

#include "unimem/core/config.hpp"

namespace unimem::detail {

inline constexpr std::uint64_t kEachLane = 0x0101010101010101ull;
inline constexpr std::uint64_t kLaneHighBits = 0x8080808080808080ull;

/// @brief The lanes of @p w that are zero, and maybe lanes above a zero lane (a borrow runs into
/// them): so a nonzero result means some lane is zero, and its lowest lane is a zero one. Callers
/// test the lanes it flags (a key compare) or use only the lowest; four instructions on x86 where
/// the exact form takes seven, and a lookup runs it twice.
UNIMEM_HOST_DEVICE constexpr std::uint64_t zero_lanes(std::uint64_t w) noexcept {
  return (w - kEachLane) & ~w & kLaneHighBits;
}

/// @brief The lanes of @p w equal to @p b (and maybe lanes above one, as zero_lanes).
UNIMEM_HOST_DEVICE constexpr std::uint64_t lanes_equal(std::uint64_t w, std::uint8_t b) noexcept {
  return zero_lanes(w ^ (kEachLane * b));
}

/// @brief The index (0..7) of the lowest lane of a nonzero lane mask.
UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE unsigned lowest_lane(std::uint64_t mask) noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  return static_cast<unsigned>(__ffsll(static_cast<long long>(mask)) - 1) >> 3;
#else
  return static_cast<unsigned>(__builtin_ctzll(mask)) >> 3;
#endif
}

}  // namespace unimem::detail
