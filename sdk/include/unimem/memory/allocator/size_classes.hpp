// Size classes of the slab allocators: 16-byte steps up to 128 B, then four classes per doubling
// up to 256 KiB (52 classes). A block of class c holds class_size(c) bytes; the worst rounding
// waste is 25% (at 129 B -> 160 B), the average about 10%. Blocks carry no header: their class is
// found from the page they are in. Larger requests are runs of whole pages.
#pragma once

#include <cstddef>
#include <cstdint>

#include "unimem/core/config.hpp"

namespace unimem::size_classes {

inline constexpr std::uint32_t kCount = 52;
inline constexpr std::size_t kMinSize = 16;
inline constexpr std::size_t kMaxSize = std::size_t{256} << 10;
inline constexpr std::uint32_t kPageShift = 16;  ///< 64 KiB pages
inline constexpr std::size_t kPageSize = std::size_t{1} << kPageShift;

UNIMEM_HOST_DEVICE constexpr std::uint32_t floor_log2(std::uint64_t x) noexcept {
  std::uint32_t k = 0;
  while (x >>= 1) ++k;
  return k;
}

/// @brief The class for @p size bytes (1 <= size <= kMaxSize; 0 is treated as 1).
UNIMEM_HOST_DEVICE constexpr std::uint32_t class_of(std::size_t size) noexcept {
  if (size <= 128) return size == 0 ? 0 : static_cast<std::uint32_t>((size - 1) >> 4);
  const std::uint32_t k = floor_log2(size - 1);  // 2^k < size <= 2^(k+1)
  return 8 + (k - 7) * 4 + static_cast<std::uint32_t>(((size - 1) >> (k - 2)) & 3);
}

/// @brief The block size of class @p c.
UNIMEM_HOST_DEVICE constexpr std::size_t class_size(std::uint32_t c) noexcept {
  if (c < 8) return std::size_t{16} * (c + 1);
  const std::uint32_t k = 7 + (c - 8) / 4;
  return (std::size_t{1} << k) + ((c - 8) % 4 + 1) * (std::size_t{1} << (k - 2));
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

static_assert(class_of(kMaxSize) == kCount - 1 && class_size(kCount - 1) == kMaxSize);
static_assert(class_of(129) == 8 && class_size(8) == 160 && class_size(11) == 256 && class_size(12) == 320);

}  // namespace unimem::size_classes
