// hash<T> and equal_to<T>: the defaults of unordered_map, usable in kernels (std::hash is not).
// Open addressing with a power-of-two table needs every bit of the hash to be good (the map takes
// the group from the low bits and the fingerprint from the top ones), so keys that differ in a
// few bits (sequential ids, aligned pointers) must spread over the whole table. Integer keys take
// one folded 128-bit multiply, as abseil's and wyhash's mixers do (three instructions on x86-64,
// where the MurmurHash3 finaliser takes eight and twice the latency on a lookup's critical path);
// other trivially copyable keys are hashed by their bytes.
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

/// @brief The two halves of the 128-bit product a * b, xor-ed: every bit of either factor reaches
/// the high and the low bits of the result.
UNIMEM_HOST_DEVICE inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  return a * b ^ __umul64hi(a, b);
#else
  __extension__ typedef unsigned __int128 u128;  // a GCC/Clang type: no -pedantic warning
  const u128 p = static_cast<u128>(a) * b;
  return static_cast<std::uint64_t>(p) ^ static_cast<std::uint64_t>(p >> 64);
#endif
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
      // the offset keeps key 0 off the multiply's fixed point; the constants are abseil's
      return fold_multiply(static_cast<std::uint64_t>(key_bits(key)) + 0x9e3779b97f4a7c15ull, 0x9ddfea08eb382d69ull);
    } else {
      // Equal keys must have equal bytes: no padding, no float members (0.0 == -0.0).
      static_assert(std::has_unique_object_representations_v<T>,
                    "unimem::hash<T> hashes T's bytes, but equal T may differ in padding or float bytes; "
                    "give unordered_map a Hash of your own for this key");
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
