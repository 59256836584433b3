// Size classes of the slab allocators: 16-byte steps up to 128 B, then four classes per doubling
// up to 256 KiB (52 classes). A block of class c holds class_size(c) bytes; the worst rounding
// waste is 25% (at 129 B -> 160 B), the average about 10%. Blocks carry no header: their class is
// found from the page they are in. Larger requests are runs of whole pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <array>

#include "unimem/core/config.hpp"

namespace unimem::size_classes {

inline constexpr std::uint32_t kCount = 52;
inline constexpr std::size_t kMinSize = 16;
inline constexpr std::size_t kMaxSize = std::size_t{256} << 10;
inline constexpr std::uint32_t kPageShift = 16;  ///< 64 KiB pages
inline constexpr std::size_t kPageSize = std::size_t{1} << kPageShift;

/// floor(log2(x)) for x > 0.
UNIMEM_HOST_DEVICE constexpr std::uint32_t floor_log2(std::uint64_t x) noexcept {
#if defined(UNIMEM_CUDA_DEVICE_PASS)
  return 63u - static_cast<std::uint32_t>(__clzll(static_cast<long long>(x)));
#else
  return 63u - static_cast<std::uint32_t>(__builtin_clzll(x));
#endif
}

/// @brief The class for @p size bytes (1 <= size <= kMaxSize; 0 is treated as 1).
UNIMEM_HOST_DEVICE constexpr std::uint32_t class_of(std::size_t size) noexcept {
  if (size <= 128) return size == 0 ? 0 : static_cast<std::uint32_t>((size - 1) >> 4);
  const std::uint32_t k = floor_log2(size - 1);  // 2^k < size <= 2^(k+1)
  return 8 + (k - 7) * 4 + static_cast<std::uint32_t>(((size - 1) >> (k - 2)) & 3);
}

/// @brief The block size of class @p c, computed (see class_size for the table look-up).
UNIMEM_HOST_DEVICE constexpr std::size_t compute_class_size(std::uint32_t c) noexcept {
  if (c < 8) return std::size_t{16} * (c + 1);
  const std::uint32_t k = 7 + (c - 8) / 4;
  return (std::size_t{1} << k) + ((c - 8) % 4 + 1) * (std::size_t{1} << (k - 2));
}

/// Per class: its block size, and m = ceil(2^42 / size), with which (x * m) >> 42 == x / size
/// exactly for every x < 2^24 (the error x * (m * size - 2^42) / 2^42 stays below 1 / size), so
/// checking that an offset in a span is a block boundary needs no division.
struct ClassInfo {
  std::uint32_t size;
  std::uint64_t reciprocal;
};
inline constexpr std::uint32_t kReciprocalShift = 42;

/// The host's table (kernels cannot read host arrays; they compute instead).
inline constexpr std::array<ClassInfo, kCount> kClassTable = [] {
  std::array<ClassInfo, kCount> t{};
  for (std::uint32_t c = 0; c < kCount; ++c) {
    const std::uint64_t size = compute_class_size(c);
    t[c] = ClassInfo{static_cast<std::uint32_t>(size), ((std::uint64_t{1} << kReciprocalShift) + size - 1) / size};
  }
  return t;
}();

constexpr const ClassInfo &class_info(std::uint32_t c) noexcept { return kClassTable[c]; }

/// @brief The block size of class @p c.
UNIMEM_HOST_DEVICE constexpr std::size_t class_size(std::uint32_t c) noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  return compute_class_size(c);
#else
  return class_info(c).size;
#endif
}

/// @brief x / class_size(c) for x < 2^24 (offsets within a span): a multiplication on the host.
UNIMEM_HOST_DEVICE constexpr std::uint64_t divide_by_class(std::uint64_t x, std::uint32_t c) noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  return x / compute_class_size(c);
#else
  return (x * class_info(c).reciprocal) >> kReciprocalShift;
#endif
}

/// @brief Pages per span of class @p c: the fewest that waste at most 1/8 of the span.
UNIMEM_HOST_DEVICE constexpr std::uint32_t span_pages(std::uint32_t c) noexcept {
  const std::size_t s = class_size(c);
  std::uint32_t k = 1;
  while (k * kPageSize < s || (k * kPageSize) % s > (k * kPageSize) / 8) ++k;
  return k;
}

/// @brief The smallest class whose blocks are all aligned to @p alignment (a power of two) and
/// hold @p size bytes; kCount when no class can (the request becomes a page run).
/// Spans start on page boundaries, so a class is aligned to a when its size is a multiple of a.
UNIMEM_HOST_DEVICE constexpr std::uint32_t aligned_class_of(std::size_t size, std::size_t alignment) noexcept {
  if (size > kMaxSize || alignment > kPageSize) return kCount;
  for (std::uint32_t c = class_of(size < alignment ? alignment : size); c < kCount; ++c) {
    if (class_size(c) % alignment == 0) return c;
  }
  return kCount;
}

// Checked once per translation unit, in the host pass (device intrinsics are not constexpr).
#if !defined(UNIMEM_DEVICE_PASS)
static_assert(class_of(kMaxSize) == kCount - 1 && class_size(kCount - 1) == kMaxSize);
static_assert(divide_by_class((std::uint64_t{1} << 21) - 1, 2) == ((std::uint64_t{1} << 21) - 1) / 48);
static_assert(class_of(129) == 8 && class_size(8) == 160 && class_size(11) == 256 && class_size(12) == 320);
#endif

}  // namespace unimem::size_classes
