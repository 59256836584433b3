/* heap.h: gmem's heap, jemalloc-backed (Debian's libjemalloc), as a C interface.
 *
 * unimem_heap_host() is jemalloc's own arenas over anonymous memory: memory that gmem can prefetch
 * and free eagerly. unimem_heap_create() makes a heap with an arena of its own whose extents come
 * from an extent source, e.g. CUDA / HIP managed memory (unimem::cuda's Heap::managed<V>()), so every
 * block it returns can be prefetched to a GPU. The library loads jemalloc privately: linking it never
 * replaces the process's malloc (libunimem_preload.so does that, on purpose).
 *
 * Rules: free a block with the heap that allocated it; a created heap may be used from any thread,
 * and destroyed once no thread uses it (its blocks die with it). Allocation failures return NULL and
 * set errno to ENOMEM (EINVAL for a bad alignment or a NULL heap, with which free does nothing and
 * the statistics are 0). malloc(0) returns a unique block; realloc(p, 0)
 * frees p and returns NULL, as glibc does. */
#ifndef UNIMEM_GMEM_HEAP_H
#define UNIMEM_GMEM_HEAP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where a created heap's memory comes from. map returns size bytes aligned to alignment (a power of
 * two >= 4096), or NULL; unmap gets back exactly what map returned, when the heap is destroyed. */
typedef struct unimem_extent_source {
  void *(*map)(size_t size, size_t alignment, void *ctx);
  void (*unmap)(void *addr, size_t size, void *ctx);
  void *ctx;
  int zeroed; /* map returns zero-filled memory (fresh mmap does; managed memory is not promised) */
} unimem_extent_source;

typedef struct unimem_heap unimem_heap;

typedef struct unimem_heap_stats {
  size_t allocated; /* bytes in live blocks */
  size_t mapped;    /* bytes the heap holds from its source (jemalloc's mapped bytes for the host heap) */
} unimem_heap_stats;

unimem_heap *unimem_heap_host(void);
/* NULL (errno: EINVAL for a source without map/unmap, ENOMEM, EAGAIN at 64 live heaps) on failure. */
unimem_heap *unimem_heap_create(const unimem_extent_source *source);
void unimem_heap_destroy(unimem_heap *heap);

void *unimem_heap_malloc(unimem_heap *heap, size_t size);
void *unimem_heap_calloc(unimem_heap *heap, size_t count, size_t size);
void *unimem_heap_realloc(unimem_heap *heap, void *block, size_t size);
/* alignment: any power of two. */
void *unimem_heap_aligned_alloc(unimem_heap *heap, size_t alignment, size_t size);
void unimem_heap_free(unimem_heap *heap, void *block);
size_t unimem_heap_usable_size(unimem_heap *heap, const void *block);
unimem_heap_stats unimem_heap_get_stats(unimem_heap *heap);

/* The host heap's malloc and free as jemalloc's own entry points, so a caller can reach them without
 * a call through this library (C++'s Heap::host() does). Blocks are the host heap's either way. Both
 * NULL where every call must take the library's path: before its constructor ran, and in a
 * ThreadSanitizer build, which annotates each block's hand-over between threads. */
#ifdef __cplusplus
#define UNIMEM_HEAP_NOTHROW noexcept /* lets a C++ caller tail-call them */
#else
#define UNIMEM_HEAP_NOTHROW
#endif
typedef struct unimem_heap_fast_path {
  void *(*malloc)(size_t size) UNIMEM_HEAP_NOTHROW;
  void (*free)(void *block) UNIMEM_HEAP_NOTHROW;
} unimem_heap_fast_path;
unimem_heap_fast_path unimem_heap_host_fast_path(void);
#undef UNIMEM_HEAP_NOTHROW

/* Anonymous private mmap, as an extent source (zeroed). */
unimem_extent_source unimem_mmap_extent_source(void);

#ifdef __cplusplus
}
#endif

#endif /* UNIMEM_GMEM_HEAP_H */
