// hash<T> and equal_to<T>: the defaults of unordered_map, usable in kernels (std::hash is not).
// Integers and other trivially copyable keys are hashed by their bytes with a strong 64-bit mixer,
// so that keys that differ in a few low bits (sequential ids) spread over the whole table:
// open addressing with a power-of-two table needs every bit of the hash to be good.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "unimem/core/config.hpp"

namespace unimem {

/// @brief The 64-bit finaliser of MurmurHash3 / splitmix64: a bijection with full avalanche.
UNIMEM_HOST_DEVICE constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

/// @brief FNV-1a over @p n bytes, then mixed: for keys that are not a single word.
UNIMEM_HOST_DEVICE constexpr std::uint64_t hash_bytes(const unsigned char *p, std::size_t n) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return mix64(h);
}

template <class T>
struct hash {
  static_assert(std::is_trivially_copyable_v<T>, "unimem::hash<T> hashes the bytes of a trivially copyable T; "
                                                 "give unordered_map your own hash for other keys");
  static_assert(!std::is_floating_point_v<T>, "floating-point keys compare equal with different bytes (0.0, -0.0)");
  UNIMEM_HOST_DEVICE std::uint64_t operator()(const T &key) const noexcept {
    if constexpr (std::is_integral_v<T> || std::is_enum_v<T> || std::is_pointer_v<T>) {
      return mix64(static_cast<std::uint64_t>(key_bits(key)));
    } else {
      return hash_bytes(reinterpret_cast<const unsigned char *>(&key), sizeof(T));
    }
  }

 private:
  UNIMEM_HOST_DEVICE static std::uint64_t key_bits(const T &key) noexcept {
    if constexpr (std::is_pointer_v<T>) return reinterpret_cast<std::uintptr_t>(key);
    else return static_cast<std::uint64_t>(key);
  }
};

template <class T>
struct equal_to {
  UNIMEM_HOST_DEVICE constexpr bool operator()(const T &a, const T &b) const noexcept { return a == b; }
};

}  // namespace unimem
