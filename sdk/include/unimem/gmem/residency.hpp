// Where the pages of a range are: the measurements gmem's effects are checked with, public because
// an application tuning prefetch needs them too. Pages here are the OS's (4 KiB on x86-64).
#pragma once

#include <cstddef>
#include <vector>

#include "unimem/core/error.hpp"

namespace unimem::gmem {

struct Residency {
  std::size_t pages = 0;     ///< OS pages touching [addr, addr + size)
  std::size_t resident = 0;  ///< of which are in memory now (mincore)
};

/// @brief Counts the resident OS pages of a range; bad_address when part of it is not mapped.
Result<Residency> residency(const void *addr, std::size_t size);

/// @brief The NUMA node of each OS page touching the range (move_pages query); a page that is not
/// present gets -ENOENT, as move_pages reports it.
Result<std::vector<int>> page_nodes(const void *addr, std::size_t size);

}  // namespace unimem::gmem
