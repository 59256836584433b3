// A deterministic byte pattern per seed, to check that a second process sees exactly what the
// first one wrote (and not, say, an old mapping or zero pages).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace unimem::test {

inline std::uint8_t pattern_byte(std::size_t i, std::uint64_t seed) {
  std::uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull ^ seed * 0xbf58476d1ce4e5b9ull;
  return static_cast<std::uint8_t>(x >> 56);
}

inline void fill_pattern(void *p, std::size_t n, std::uint64_t seed) {
  auto *b = static_cast<std::uint8_t *>(p);
  for (std::size_t i = 0; i < n; ++i) b[i] = pattern_byte(i, seed);
}

/// @return the first index that differs, or nullopt when the whole range matches.
inline std::optional<std::size_t> find_pattern_mismatch(const void *p, std::size_t n, std::uint64_t seed) {
  auto *b = static_cast<const std::uint8_t *>(p);
  for (std::size_t i = 0; i < n; ++i)
    if (b[i] != pattern_byte(i, seed)) return i;
  return std::nullopt;
}

}  // namespace unimem::test
