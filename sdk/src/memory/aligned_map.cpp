#include "aligned_map.hpp"

#include <sys/mman.h>

#include <cstdint>

#include "unimem/memory/region_header.hpp"

namespace unimem::detail {

void *map_aligned(std::size_t bytes, int prot, int flags, int fd) noexcept {
  constexpr std::size_t a = RegionHeader::kBaseAlignment;
  if (bytes > SIZE_MAX - a) return MAP_FAILED;
  // Reserve address space with room to slide, place the mapping at the aligned point, trim the rest.
  void *r = mmap(nullptr, bytes + a, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (r == MAP_FAILED) return MAP_FAILED;
  const auto start = reinterpret_cast<std::uintptr_t>(r);
  const std::uintptr_t aligned = (start + a - 1) & ~(std::uintptr_t{a} - 1);
  void *p = mmap(reinterpret_cast<void *>(aligned), bytes, prot, flags | MAP_FIXED, fd, 0);
  if (p == MAP_FAILED) {
    munmap(r, bytes + a);
    return MAP_FAILED;
  }
  if (aligned > start) munmap(r, aligned - start);
  const std::uintptr_t end = aligned + bytes, reserved_end = start + bytes + a;
  if (reserved_end > end) munmap(reinterpret_cast<void *>(end), reserved_end - end);
  return p;
}

}  // namespace unimem::detail
