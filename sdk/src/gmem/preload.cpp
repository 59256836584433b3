// libunimem_preload.so: the C allocation functions from gmem's host heap, for LD_PRELOAD, as libgmem
// offers them. glibc requires a replacement to define this whole set ("Replacing malloc" in its
// manual) so that no block of one allocator reaches the other's free. UNIMEM_PRELOAD_STATS=FILE
// appends the heap's statistics to FILE at exit (a file: programs like ls close stderr before that).
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "unimem/gmem/heap.h"

namespace {
unimem_heap *heap() { return unimem_heap_host(); }  // a static object: no allocation, no recursion
}  // namespace

extern "C" {

void *malloc(size_t size) noexcept { return unimem_heap_malloc(heap(), size); }
void free(void *p) noexcept { unimem_heap_free(heap(), p); }
void *calloc(size_t n, size_t size) noexcept { return unimem_heap_calloc(heap(), n, size); }
void *realloc(void *p, size_t size) noexcept { return unimem_heap_realloc(heap(), p, size); }
void *aligned_alloc(size_t alignment, size_t size) noexcept { return unimem_heap_aligned_alloc(heap(), alignment, size); }
void *memalign(size_t alignment, size_t size) noexcept { return unimem_heap_aligned_alloc(heap(), alignment, size); }
size_t malloc_usable_size(void *p) noexcept { return unimem_heap_usable_size(heap(), p); }

int posix_memalign(void **out, size_t alignment, size_t size) noexcept {
  if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
  const int saved = errno;  // posix_memalign reports through its result, not errno
  void *p = unimem_heap_aligned_alloc(heap(), alignment, size);
  errno = saved;
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

void *valloc(size_t size) noexcept { return unimem_heap_aligned_alloc(heap(), static_cast<size_t>(sysconf(_SC_PAGESIZE)), size); }

void *pvalloc(size_t size) noexcept {
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  if (size > ~size_t{0} - page) {
    errno = ENOMEM;
    return nullptr;
  }
  return unimem_heap_aligned_alloc(heap(), page, (size + page - 1) & ~(page - 1));
}

}  // extern "C"

namespace {
__attribute__((destructor)) void report() {
  const char *path = std::getenv("UNIMEM_PRELOAD_STATS");
  if (path == nullptr || *path == '\0') return;
  const int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  const auto s = unimem_heap_get_stats(heap());
  char line[128];
  const int n = std::snprintf(line, sizeof line, "unimem-preload: pid %d allocated %zu mapped %zu\n",
                              static_cast<int>(getpid()), s.allocated, s.mapped);
  if (n > 0) (void)!write(fd, line, static_cast<size_t>(n));
  close(fd);
}
}  // namespace
