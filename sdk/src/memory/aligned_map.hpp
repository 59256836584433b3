// Maps memory at an address aligned to RegionHeader::kBaseAlignment (2 MiB), so that offsets the
// allocators align (up to 2 MiB) are aligned addresses in every process that maps the region.
#pragma once

#include <cstddef>

namespace unimem::detail {

/// mmap(bytes, prot, flags, fd) at an aligned address; MAP_FAILED (errno set) on failure.
void *map_aligned(std::size_t bytes, int prot, int flags, int fd) noexcept;

}  // namespace unimem::detail
