// Page arithmetic with libgmem's rules: free_eager acts on the whole pages inside a range (rounded
// inward), prefetch on the pages that cover it (rounded outward). Addresses are integers here, as in
// libgmem's C API, so a range near the top of the address space is arithmetic, not a pointer bug.
#pragma once

#include <cstdint>
#include <optional>

#include "unimem/core/align.hpp"

namespace unimem::gmem {

/// A half-open byte range [begin, end). Empty when begin == end.
struct PageRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;

  constexpr std::uint64_t size() const noexcept { return end - begin; }
  constexpr bool empty() const noexcept { return begin == end; }
  friend constexpr bool operator==(const PageRange &, const PageRange &) = default;
};

/// @brief The whole pages inside [addr, addr + size).
/// @return nullopt when @p page is not a power of two or addr + size wraps past 2^64; an empty range
///         (begin == end) when no whole page lies inside, including size 0.
constexpr std::optional<PageRange> pages_inside(std::uint64_t addr, std::uint64_t size, std::uint64_t page) noexcept {
  if (!is_pow2(page) || size > ~std::uint64_t{0} - addr) return std::nullopt;
  const std::uint64_t last = addr + size;
  std::uint64_t begin = 0;
  if (!checked_align_up(addr, page, begin) || begin >= align_down(last, page)) return PageRange{};
  return PageRange{begin, align_down(last, page)};
}

/// @brief The pages that cover [addr, addr + size).
/// @return nullopt when @p page is not a power of two, addr + size wraps, or the last page would end
///         past 2^64; an empty range for size 0.
constexpr std::optional<PageRange> pages_covering(std::uint64_t addr, std::uint64_t size,
                                                  std::uint64_t page) noexcept {
  if (!is_pow2(page) || size > ~std::uint64_t{0} - addr) return std::nullopt;
  if (size == 0) return PageRange{};
  std::uint64_t end = 0;
  if (!checked_align_up(addr + size, page, end)) return std::nullopt;
  return PageRange{align_down(addr, page), end};
}

}  // namespace unimem::gmem
