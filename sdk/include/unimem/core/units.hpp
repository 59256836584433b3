// Byte units. Binary (IEC) multiples, because page and region sizes are powers of two.
#pragma once

#include <cstddef>
#include <cstdint>

namespace unimem {

inline constexpr std::size_t KiB = std::size_t{1} << 10;
inline constexpr std::size_t MiB = std::size_t{1} << 20;
inline constexpr std::size_t GiB = std::size_t{1} << 30;
inline constexpr std::size_t TiB = std::size_t{1} << 40;

namespace literals {
constexpr std::size_t operator""_KiB(unsigned long long n) { return n * KiB; }
constexpr std::size_t operator""_MiB(unsigned long long n) { return n * MiB; }
constexpr std::size_t operator""_GiB(unsigned long long n) { return n * GiB; }
}  // namespace literals

}  // namespace unimem
