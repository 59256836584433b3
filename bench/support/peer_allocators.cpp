#include "peer_allocators.hpp"

#include <dlfcn.h>
#include <jemalloc/jemalloc.h>  // the MALLOCX_ flags; the functions are reached through dlsym
#include <malloc.h>

#include <cstdlib>
#include <vector>

namespace unimem::bench {

namespace {

void *glibc_alloc(std::size_t n) { return std::malloc(n); }
void glibc_free(void *p) { std::free(p); }
std::uint64_t glibc_reserved() {
  const struct mallinfo2 mi = mallinfo2();  // main arena: what one benchmark thread uses
  return mi.arena + mi.hblkhd;
}

// jemalloc's own malloc and free (its fast paths; mallocx and dallocx take the general one), found in
// the library itself since these names bind to glibc's everywhere else.
void *(*je_malloc)(std::size_t) = nullptr;
void (*je_dealloc)(void *) = nullptr;
int (*je_mallctl)(const char *, void *, std::size_t *, void *, std::size_t) = nullptr;
void *je_alloc(std::size_t n) { return je_malloc(n); }
void je_free(void *p) { je_dealloc(p); }

// jemalloc doing a created heap's job by hand: an arena of its own (default extent hooks) and an
// explicit tcache per thread, through mallocx / dallocx.
void *(*je_mallocx)(std::size_t, int) = nullptr;
void (*je_dallocx)(void *, int) = nullptr;
unsigned je_arena = 0;
struct ThreadTcache {
  unsigned id = 0;
  bool made = false;
  ~ThreadTcache() {
    if (made) je_mallctl("tcache.destroy", nullptr, nullptr, &id, sizeof id);
  }
};
thread_local ThreadTcache je_tcache;
int je_arena_flags() {
  if (!je_tcache.made) {
    std::size_t len = sizeof je_tcache.id;
    je_tcache.made = je_mallctl("tcache.create", &je_tcache.id, &len, nullptr, 0) == 0;
  }
  return MALLOCX_ARENA(je_arena) | (je_tcache.made ? MALLOCX_TCACHE(je_tcache.id) : MALLOCX_TCACHE_NONE);
}
void *je_arena_alloc(std::size_t n) { return je_mallocx(n, je_arena_flags()); }
void je_arena_free(void *p) { je_dallocx(p, je_arena_flags() & ~MALLOCX_ARENA(je_arena)); }
std::uint64_t je_reserved() {
  std::uint64_t epoch = 1;
  std::size_t len = sizeof epoch;
  je_mallctl("epoch", &epoch, &len, &epoch, len);
  std::size_t resident = 0;
  len = sizeof resident;
  return je_mallctl("stats.resident", &resident, &len, nullptr, 0) == 0 ? resident : 0;
}

void *(*mi_malloc)(std::size_t) = nullptr;
void (*mi_free)(void *) = nullptr;
void (*mi_process_info)(std::size_t *, std::size_t *, std::size_t *, std::size_t *, std::size_t *, std::size_t *,
                        std::size_t *, std::size_t *) = nullptr;
void *mi_alloc(std::size_t n) { return mi_malloc(n); }
void mi_dealloc(void *p) { mi_free(p); }
std::uint64_t mi_reserved() {
  std::size_t elapsed, user, sys, rss, peak_rss, commit = 0, peak_commit, faults;
  mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
  return commit;
}

template <class F>
bool load(void *lib, const char *name, F &fn) {
  fn = lib ? reinterpret_cast<F>(dlsym(lib, name)) : nullptr;
  return fn != nullptr;
}

}  // namespace

const PeerAllocator &glibc_malloc() {
  static const PeerAllocator p{"glibc", glibc_alloc, glibc_free, glibc_reserved};
  return p;
}

const PeerAllocator &jemalloc() {
  static const PeerAllocator p = [] {
    void *lib = dlopen("libjemalloc.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!load(lib, "malloc", je_malloc) || !load(lib, "free", je_dealloc) || !load(lib, "mallctl", je_mallctl)) {
      return PeerAllocator{"jemalloc"};
    }
    return PeerAllocator{"jemalloc", je_alloc, je_free, je_reserved};
  }();
  return p;
}

const PeerAllocator &jemalloc_arena() {
  static const PeerAllocator p = [] {
    void *lib = dlopen("libjemalloc.so.2", RTLD_NOW | RTLD_LOCAL);
    std::size_t len = sizeof je_arena;
    if (!jemalloc().available() || !load(lib, "mallocx", je_mallocx) || !load(lib, "dallocx", je_dallocx) ||
        je_mallctl("arenas.create", &je_arena, &len, nullptr, 0) != 0) {
      return PeerAllocator{"jemalloc_arena"};
    }
    return PeerAllocator{"jemalloc_arena", je_arena_alloc, je_arena_free};
  }();
  return p;
}

const PeerAllocator &mimalloc() {
  static const PeerAllocator p = [] {
    void *lib = dlopen("libmimalloc.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!load(lib, "mi_malloc", mi_malloc) || !load(lib, "mi_free", mi_free) ||
        !load(lib, "mi_process_info", mi_process_info)) {
      return PeerAllocator{"mimalloc"};
    }
    return PeerAllocator{"mimalloc", mi_alloc, mi_dealloc, mi_reserved};
  }();
  return p;
}

void alloc_pair(benchmark::State &st, PeerAllocator a, std::size_t size) {
  for (auto _ : st) {
    void *p = a.alloc(size);
    benchmark::DoNotOptimize(p);
    a.free(p);
  }
  st.SetItemsProcessed(st.iterations());
}

void alloc_batch(benchmark::State &st, PeerAllocator a, std::size_t step) {
  constexpr int kBatch = 10000;
  std::vector<void *> ptrs(kBatch);
  for (auto _ : st) {
    for (int i = 0; i < kBatch; ++i) ptrs[i] = a.alloc(16 + (i % 16) * step);
    for (int i = 0; i < kBatch; ++i) a.free(ptrs[i]);
  }
  st.SetItemsProcessed(st.iterations() * kBatch);
}

}  // namespace unimem::bench
