// Hotness bookkeeping for the gmem operations (queried through gmem::hotness()).
#pragma once

#include <cstdint>

#include "unimem/gmem/page_range.hpp"

namespace unimem::gmem::detail {

/// Counts one "already resident" prefetch for each page of @p range (aligned to @p page).
void mark_hot(const PageRange &range, std::uint64_t page);
/// Drops the counts of the pages of @p range: their contents were released.
void forget_hot(const PageRange &range, std::uint64_t page);

}  // namespace unimem::gmem::detail
