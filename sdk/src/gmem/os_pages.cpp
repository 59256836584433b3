#include "os_pages.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace unimem::gmem::detail {

std::size_t os_page_size() noexcept {
  static const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

namespace {
std::string describe(const void *addr, std::size_t size) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "[%p, +%zu)", addr, size);
  return buf;
}
}  // namespace

Result<PageRange> os_pages(const void *addr, std::size_t size) {
  if (addr == nullptr) return Error(Errc::invalid_argument, "null address");
  auto range = pages_covering(reinterpret_cast<std::uintptr_t>(addr), size, os_page_size());
  if (!range) return Error(Errc::invalid_argument, "range " + describe(addr, size) + " wraps past the address space");
  return *range;
}

std::vector<void *> page_addresses(const PageRange &range) {
  const std::size_t page = os_page_size();
  std::vector<void *> pages(range.size() / page);
  for (std::size_t i = 0; i < pages.size(); ++i) pages[i] = reinterpret_cast<void *>(range.begin + i * page);
  return pages;
}

Error unmapped(const void *addr, std::size_t size) {
  return Error(Errc::bad_address, "range " + describe(addr, size) + " is not entirely mapped");
}

bool is_mapped(std::uint64_t begin, std::uint64_t end) noexcept {
  // msync reports ENOMEM for a hole and, with MS_ASYNC, writes nothing back (a no-op since Linux 2.6.19).
  return begin == end || msync(reinterpret_cast<void *>(begin), end - begin, MS_ASYNC) == 0;
}

Result<void> check_mapped(const PageRange &range, const void *addr, std::size_t size) {
  if (!is_mapped(range.begin, range.end)) return unmapped(addr, size);
  return success();
}

PageRange clip_to_mapped(const PageRange &outer, const PageRange &inner) noexcept {
  // Mappedness of [x, inner.begin) only grows as x rises, so the lowest mapped start is a binary
  // search over pages (likewise upward); a 2 MiB page costs at most 9 probes a side.
  const std::uint64_t page = os_page_size();
  std::uint64_t lo = outer.begin, hi = inner.begin;  // answer in [lo, hi]
  while (lo < hi) {
    const std::uint64_t mid = lo + ((hi - lo) / page / 2) * page;
    if (is_mapped(mid, inner.begin)) hi = mid; else lo = mid + page;
  }
  PageRange clipped{lo, inner.end};
  lo = inner.end;
  hi = outer.end;  // highest mapped end in [lo, hi]
  while (lo < hi) {
    const std::uint64_t mid = hi - ((hi - lo) / page / 2) * page;
    if (is_mapped(inner.end, mid)) lo = mid; else hi = mid - page;
  }
  clipped.end = lo;
  return clipped;
}

}  // namespace unimem::gmem::detail
