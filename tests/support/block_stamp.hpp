// Self-describing test blocks: [size:8][seed:8][pattern(seed)...], so any process that receives a
// block's offset can check it was not damaged (by an overlap, a lost write, a wrong mapping).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "pattern.hpp"

namespace unimem::test {

inline constexpr std::size_t kStampHeader = 16;

/// @p size >= kStampHeader.
inline void stamp_block(char *p, std::uint64_t size, std::uint64_t seed) {
  std::memcpy(p, &size, 8);
  std::memcpy(p + 8, &seed, 8);
  fill_pattern(p + kStampHeader, size - kStampHeader, seed);
}

/// @return true if the block holds what stamp_block wrote for @p expected_size.
inline bool check_block(const char *p, std::uint64_t expected_size) {
  std::uint64_t size = 0, seed = 0;
  std::memcpy(&size, p, 8);
  std::memcpy(&seed, p + 8, 8);
  return size == expected_size && !find_pattern_mismatch(p + kStampHeader, size - kStampHeader, seed);
}

inline std::uint64_t stamped_size(const char *p) {
  std::uint64_t size = 0;
  std::memcpy(&size, p, 8);
  return size;
}

}  // namespace unimem::test
