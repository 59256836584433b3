#include "unimem/memory/backend/posix_mmap_backend.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "aligned_map.hpp"

namespace unimem {

Result<std::unique_ptr<PosixMmapBackend>> PosixMmapBackend::create(std::size_t data_bytes) {
  auto total = region_bytes_for(data_bytes, static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)));
  if (!total) return total.error();
  void *p = detail::map_aligned(*total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1);
  if (p == MAP_FAILED) {
    return Error::from_errno(Errc::out_of_memory, "posix mmap backend: mmap(" + std::to_string(*total) + ")", errno);
  }
  std::unique_ptr<PosixMmapBackend> b(new PosixMmapBackend);
  b->init_created(static_cast<char *>(p), *total, BackendKind::posix_mmap);
  return b;
}

Result<void> PosixMmapBackend::destroy() {
  if (view_.host_base) munmap(view_.host_base, view_.region_bytes);
  view_ = {};
  return success();
}

PosixMmapBackend::~PosixMmapBackend() { (void)destroy(); }

}  // namespace unimem
