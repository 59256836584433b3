#include "unimem/memory/backend/malloc_backend.hpp"

#include <cstdlib>
#include <string>

#include "unimem/core/align.hpp"

namespace unimem {

Result<std::unique_ptr<MallocBackend>> MallocBackend::create(std::size_t data_bytes) {
  auto total = region_bytes_for(data_bytes, RegionHeader::kHeaderBytes);
  if (!total) return total.error();
  // aligned_alloc wants a size that is a multiple of the alignment.
  const std::size_t alloc_bytes = align_up(*total, RegionHeader::kBaseAlignment);
  void *p = std::aligned_alloc(RegionHeader::kBaseAlignment, alloc_bytes);
  if (!p) return Error(Errc::out_of_memory, "malloc backend: aligned_alloc(" + std::to_string(*total) + ") failed");
  std::unique_ptr<MallocBackend> b(new MallocBackend);
  b->init_created(static_cast<char *>(p), *total, BackendKind::malloc);
  return b;
}

Result<void> MallocBackend::destroy() {
  std::free(view_.host_base);
  view_ = {};
  return success();
}

MallocBackend::~MallocBackend() { (void)destroy(); }

}  // namespace unimem
