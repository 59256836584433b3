// gmem's heap over jemalloc. The host heap is jemalloc's automatic arenas; a created heap is an arena
// whose extent hooks take memory from an unimem_extent_source, with one explicit tcache per thread
// (jemalloc's default tcache would mix blocks of different arenas). Extents are never handed back
// piecemeal (dalloc opts out, so jemalloc retains and reuses them); the source's mappings are
// returned whole when the heap is destroyed.
#include "unimem/gmem/heap.h"

#include "unimem/core/align.hpp"
#include "unimem/core/config.hpp"

#include <dlfcn.h>
#include <jemalloc/jemalloc.h>
#include <sys/mman.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

#if UNIMEM_TSAN
#include <sanitizer/tsan_interface.h>
// jemalloc is not instrumented: hand-overs of a block between threads through it are made visible.
#define UNIMEM_TSAN_ACQUIRE(p) __tsan_acquire(p)
#define UNIMEM_TSAN_RELEASE(p) __tsan_release(p)
#else
#define UNIMEM_TSAN_ACQUIRE(p) (void)(p)
#define UNIMEM_TSAN_RELEASE(p) (void)(p)
#endif

namespace {

constexpr unsigned kMaxHeaps = 64;

struct Hooks {
  extent_hooks_t hooks;  // first: jemalloc hands this address back to every hook
  unimem_heap *heap;
};

}  // namespace

struct unimem_heap {
  bool custom = false;
  unsigned arena = 0;
  unsigned slot = 0;
  std::uint32_t generation = 0;
  unimem_extent_source source{};
  Hooks hooks{};
  std::mutex m;  // mappings (tcaches: slots().m)
  std::vector<std::pair<void *, std::size_t>> mappings;
  std::vector<unsigned> tcaches;
  std::atomic<std::size_t> mapped{0};
};

namespace {

constinit unimem_heap host_heap;  // constant-initialised: usable before any constructor runs

// The host heap's malloc and free are jemalloc's own: its fast paths (mallocx and dallocx take the
// general path, about twice the cost of a malloc+free pair). Those names bind to libc's everywhere
// but in jemalloc, so they are looked up there once, by a constructor; before it runs (a preloaded
// malloc called by the loader) mallocx and dallocx serve, which use the same arenas and tcaches.
using MallocFn = decltype(unimem_heap_fast_path::malloc);
using FreeFn = decltype(unimem_heap_fast_path::free);
constinit std::atomic<MallocFn> fast_malloc{nullptr};
constinit std::atomic<FreeFn> fast_free{nullptr};

__attribute__((constructor)) void find_jemalloc_fast_path() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void *>(&mallocx), &info) == 0 || info.dli_fname == nullptr) return;
  void *lib = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD);
  if (lib == nullptr) return;
  auto m = reinterpret_cast<MallocFn>(dlsym(lib, "malloc"));
  auto f = reinterpret_cast<FreeFn>(dlsym(lib, "free"));
  if (m != nullptr && f != nullptr) {
    fast_malloc.store(m, std::memory_order_relaxed);
    fast_free.store(f, std::memory_order_relaxed);
  }
  dlclose(lib);  // balances the NOLOAD reference; jemalloc stays, a dependency of this library
}

// Live created heaps by slot, and each slot's generation (bumped at destroy, so a thread's cached
// tcache for a dead heap is recognised as stale).
struct Slots {
  std::mutex m;
  std::array<unimem_heap *, kMaxHeaps> heap{};
  std::array<std::uint32_t, kMaxHeaps> generation{};
};
Slots &slots() {
  static Slots s;
  return s;
}

// This thread's explicit tcaches, one per heap slot. Plain data, so an access has no guard check
// (a thread_local with a destructor has one on every access); the reaper, touched only when a
// tcache is made, destroys them at thread exit.
struct TcacheEntry {
  std::uint32_t generation = 0;  // 0: none
  unsigned tcache = 0;
};
constinit thread_local std::array<TcacheEntry, kMaxHeaps> tls_tcaches{};

constinit thread_local bool tls_reaped = false;  // later calls of an exiting thread go without a tcache

struct TcacheReaper {
  void arm() noexcept {}  // a call that makes sure this thread's reaper exists
  ~TcacheReaper();
};
thread_local TcacheReaper tls_reaper;

// The flags of this thread's last created heap, keyed by slot and generation (which name one heap's
// lifetime). Initial-exec TLS, a plain load, where the array above costs a __tls_get_addr call;
// 16 bytes of static TLS next to the tsd jemalloc keeps there in the same model.
struct LastFlags {
  std::uint64_t key = 0;  // 0: none (generations start at 1)
  int flags = 0;
};
constinit thread_local LastFlags tls_last __attribute__((tls_model("initial-exec")));

std::uint64_t key_of(const unimem_heap *h) { return std::uint64_t{h->slot} << 32 | h->generation; }

// Arena and this thread's tcache for a created heap (the tcache is made on the thread's first call).
__attribute__((noinline)) int slow_custom_flags(unimem_heap *h) {
  if (tls_reaped) return MALLOCX_ARENA(h->arena) | MALLOCX_TCACHE_NONE;
  auto &e = tls_tcaches[h->slot];
  if (e.generation != h->generation) {
    tls_reaper.arm();
    auto &s = slots();
    std::lock_guard lock(s.m);
    unsigned tc = 0;
    std::size_t len = sizeof tc;
    if (mallctl("tcache.create", &tc, &len, nullptr, 0) != 0) return MALLOCX_ARENA(h->arena) | MALLOCX_TCACHE_NONE;
    h->tcaches.push_back(tc);
    e = {h->generation, tc};
  }
  tls_last = {key_of(h), MALLOCX_ARENA(h->arena) | MALLOCX_TCACHE(e.tcache)};
  return tls_last.flags;
}

TcacheReaper::~TcacheReaper() {
  auto &s = slots();
  std::lock_guard lock(s.m);
  for (unsigned i = 0; i < kMaxHeaps; ++i) {
    auto &e = tls_tcaches[i];
    if (e.generation != 0 && s.generation[i] == e.generation) {
      std::erase(s.heap[i]->tcaches, e.tcache);
      (void)mallctl("tcache.destroy", nullptr, nullptr, &e.tcache, sizeof e.tcache);
    }
    e = {};
  }
  tls_last = {};
  tls_reaped = true;
}

inline int custom_flags(unimem_heap *h) {
  return __builtin_expect(tls_last.key == key_of(h), 1) ? tls_last.flags : slow_custom_flags(h);
}

// The flags of every call on @p h: none for the host heap, whose calls are jemalloc's fast path.
inline int flags_of(unimem_heap *h) { return __builtin_expect(!h->custom, 1) ? 0 : custom_flags(h); }

int free_flags_of(unimem_heap *h) {
  return h->custom ? (flags_of(h) & ~MALLOCX_ARENA(h->arena)) : 0;
}

unimem_heap *heap_of(extent_hooks_t *hooks) { return reinterpret_cast<Hooks *>(hooks)->heap; }

void *hook_alloc(extent_hooks_t *hooks, void *new_addr, std::size_t size, std::size_t alignment, bool *zero,
                 bool *commit, unsigned) {
  if (new_addr != nullptr) return nullptr;  // a source cannot place memory at a given address
  unimem_heap *h = heap_of(hooks);
  void *p = h->source.map(size, alignment < 4096 ? 4096 : alignment, h->source.ctx);
  if (p == nullptr) return nullptr;
  {
    std::lock_guard lock(h->m);
    h->mappings.emplace_back(p, size);
  }
  h->mapped.fetch_add(size, std::memory_order_relaxed);
  if (*zero && !h->source.zeroed) std::memset(p, 0, size);
  *zero = *zero || h->source.zeroed;
  *commit = true;
  return p;
}

bool hook_opt_out(extent_hooks_t *, void *, std::size_t, bool, unsigned) { return true; }
void hook_destroy(extent_hooks_t *, void *, std::size_t, bool, unsigned) {}  // mappings go back whole
bool hook_split(extent_hooks_t *, void *, std::size_t, std::size_t, std::size_t, bool, unsigned) { return false; }
bool hook_merge(extent_hooks_t *, void *, std::size_t, void *, std::size_t, bool, unsigned) { return false; }

void *mmap_map(std::size_t size, std::size_t alignment, void *) {
  // Over-map by the alignment and trim both ends, so the result is aligned and nothing leaks.
  const std::size_t len = size + alignment;
  void *raw = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto base = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = unimem::align_up(base, alignment);
  if (aligned > base) munmap(raw, aligned - base);
  if (const std::size_t tail = base + len - (aligned + size); tail > 0) munmap(reinterpret_cast<void *>(aligned + size), tail);
  return reinterpret_cast<void *>(aligned);
}

void mmap_unmap(void *addr, std::size_t size, void *) { munmap(addr, size); }

std::size_t read_size(const std::string &name) {
  std::size_t v = 0, len = sizeof v;
  return mallctl(name.c_str(), &v, &len, nullptr, 0) == 0 ? v : 0;
}

void *fail(int err) {
  errno = err;
  return nullptr;
}

}  // namespace

extern "C" {

unimem_heap *unimem_heap_host(void) { return &host_heap; }

unimem_heap_fast_path unimem_heap_host_fast_path(void) {
#if UNIMEM_TSAN
  return {nullptr, nullptr};
#else
  return {fast_malloc.load(std::memory_order_relaxed), fast_free.load(std::memory_order_relaxed)};
#endif
}

unimem_extent_source unimem_mmap_extent_source(void) { return {mmap_map, mmap_unmap, nullptr, 1}; }

unimem_heap *unimem_heap_create(const unimem_extent_source *source) {
  if (source == nullptr || source->map == nullptr || source->unmap == nullptr) {
    return static_cast<unimem_heap *>(fail(EINVAL));
  }
  auto *h = new (std::nothrow) unimem_heap;
  if (h == nullptr) return static_cast<unimem_heap *>(fail(ENOMEM));
  h->custom = true;
  h->source = *source;
  h->hooks.heap = h;
  h->hooks.hooks = extent_hooks_t{hook_alloc, hook_opt_out, hook_destroy, nullptr, nullptr,
                                  nullptr,    nullptr,      hook_split,   hook_merge};
  auto &s = slots();
  std::lock_guard lock(s.m);
  unsigned slot = 0;
  while (slot < kMaxHeaps && s.heap[slot] != nullptr) ++slot;
  if (slot == kMaxHeaps) {
    delete h;
    return static_cast<unimem_heap *>(fail(EAGAIN));
  }
  extent_hooks_t *hooks = &h->hooks.hooks;
  std::size_t len = sizeof h->arena;
  if (mallctl("arenas.create", &h->arena, &len, &hooks, sizeof hooks) != 0) {
    delete h;
    return static_cast<unimem_heap *>(fail(ENOMEM));
  }
  h->slot = slot;
  h->generation = ++s.generation[slot];
  s.heap[slot] = h;
  return h;
}

void unimem_heap_destroy(unimem_heap *heap) {
  if (heap == nullptr || !heap->custom) return;
  {
    auto &s = slots();
    std::lock_guard lock(s.m);
    for (unsigned tc : heap->tcaches) (void)mallctl("tcache.destroy", nullptr, nullptr, &tc, sizeof tc);
    ++s.generation[heap->slot];
    s.heap[heap->slot] = nullptr;
  }
  (void)mallctl(("arena." + std::to_string(heap->arena) + ".destroy").c_str(), nullptr, nullptr, nullptr, 0);
  for (auto [p, size] : heap->mappings) heap->source.unmap(p, size, heap->source.ctx);
  delete heap;
}

void *unimem_heap_malloc(unimem_heap *heap, size_t size) {
  if (heap == nullptr) return fail(EINVAL);
  auto *fast = fast_malloc.load(std::memory_order_relaxed);
  if (!heap->custom && fast != nullptr) {
    void *p = fast(size);  // sets errno itself; a unique block for size 0
    if (p != nullptr) UNIMEM_TSAN_ACQUIRE(p);
    return p;
  }
  void *p = mallocx(size == 0 ? 1 : size, flags_of(heap));
  if (p == nullptr) return fail(ENOMEM);
  UNIMEM_TSAN_ACQUIRE(p);
  return p;
}

void *unimem_heap_calloc(unimem_heap *heap, size_t count, size_t size) {
  if (heap == nullptr) return fail(EINVAL);
  size_t bytes = 0;
  if (__builtin_mul_overflow(count, size, &bytes)) return fail(ENOMEM);
  void *p = mallocx(bytes == 0 ? 1 : bytes, flags_of(heap) | MALLOCX_ZERO);
  if (p == nullptr) return fail(ENOMEM);
  UNIMEM_TSAN_ACQUIRE(p);
  return p;
}

void *unimem_heap_realloc(unimem_heap *heap, void *block, size_t size) {
  if (heap == nullptr) return fail(EINVAL);
  if (block == nullptr) return unimem_heap_malloc(heap, size);
  if (size == 0) {
    unimem_heap_free(heap, block);
    return nullptr;
  }
  UNIMEM_TSAN_RELEASE(block);
  void *p = rallocx(block, size, flags_of(heap));
  if (p == nullptr) return fail(ENOMEM);  // block is still valid, as realloc promises
  UNIMEM_TSAN_ACQUIRE(p);
  return p;
}

void *unimem_heap_aligned_alloc(unimem_heap *heap, size_t alignment, size_t size) {
  if (heap == nullptr || !unimem::is_pow2(alignment)) return fail(EINVAL);
  void *p = mallocx(size == 0 ? 1 : size, flags_of(heap) | MALLOCX_ALIGN(alignment));
  if (p == nullptr) return fail(ENOMEM);
  UNIMEM_TSAN_ACQUIRE(p);
  return p;
}

void unimem_heap_free(unimem_heap *heap, void *block) {
  if (block == nullptr || heap == nullptr) return;
  UNIMEM_TSAN_RELEASE(block);
  auto *fast = fast_free.load(std::memory_order_relaxed);
  if (!heap->custom && fast != nullptr) return fast(block);
  dallocx(block, free_flags_of(heap));
}

size_t unimem_heap_usable_size(unimem_heap *heap, const void *block) {
  return block == nullptr || heap == nullptr ? 0 : sallocx(const_cast<void *>(block), 0);
}

unimem_heap_stats unimem_heap_get_stats(unimem_heap *heap) {
  if (heap == nullptr) return {0, 0};
  std::uint64_t epoch = 1;
  std::size_t len = sizeof epoch;
  (void)mallctl("epoch", &epoch, &len, &epoch, len);  // refresh jemalloc's statistics
  if (!heap->custom) return {read_size("stats.allocated"), read_size("stats.mapped")};
  const std::string arena = "stats.arenas." + std::to_string(heap->arena);
  return {read_size(arena + ".small.allocated") + read_size(arena + ".large.allocated"),
          heap->mapped.load(std::memory_order_relaxed)};
}

}  // extern "C"
