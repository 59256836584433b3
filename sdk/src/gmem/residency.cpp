// mincore and move_pages queries over a range of OS pages.
#include "unimem/gmem/residency.hpp"

#include <numaif.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "os_pages.hpp"

namespace unimem::gmem {

Result<Residency> residency(const void *addr, std::size_t size) {
  auto range = detail::os_pages(addr, size);
  if (!range) return range.error();
  // Before the vector of one byte per page: a huge unmapped range must not allocate first.
  if (auto mapped = detail::check_mapped(*range, addr, size); !mapped) return mapped.error();
  const std::size_t os_page = detail::os_page_size();
  std::vector<unsigned char> in_core(range->size() / os_page);
  if (!in_core.empty() &&
      mincore(reinterpret_cast<void *>(range->begin), range->size(), in_core.data()) != 0) {
    if (errno == ENOMEM) return detail::unmapped(addr, size);
    return Error::from_errno(Errc::io_error, "mincore", errno);
  }
  Residency r{in_core.size(), 0};
  for (unsigned char c : in_core) r.resident += c & 1;
  return r;
}

Result<std::vector<int>> page_nodes(const void *addr, std::size_t size) {
  auto range = detail::os_pages(addr, size);
  if (!range) return range.error();
  if (auto mapped = detail::check_mapped(*range, addr, size); !mapped) return mapped.error();
  auto pages = detail::page_addresses(*range);
  std::vector<int> status(pages.size(), 0);
  if (!pages.empty() && move_pages(0, pages.size(), pages.data(), nullptr, status.data(), 0) != 0) {
    return Error::from_errno(Errc::io_error, "move_pages (query)", errno);
  }
  return status;
}

}  // namespace unimem::gmem
