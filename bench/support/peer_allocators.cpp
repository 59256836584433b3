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
// the library itself since these names bind to glibc's everywhere else. The peers call the loaded
// pointers directly: a wrapper would add a call that unimem's side does not pay.
void *jem_lib = nullptr;
void *(*jem_malloc)(std::size_t) = nullptr;
void (*jem_dealloc)(void *) = nullptr;
int (*jem_mallctl)(const char *, void *, std::size_t *, void *, std::size_t) = nullptr;

// jemalloc doing a created heap's job by hand: an arena of its own (default extent hooks) and an
// explicit tcache per thread, through mallocx / dallocx. The tcache id is plain TLS (no guard check
// per access, as in the heap); a reaper armed when it is made destroys it at thread exit.
void *(*jem_mallocx)(std::size_t, int) = nullptr;
void (*jem_dallocx)(void *, int) = nullptr;
unsigned jem_arena = 0;
constinit thread_local int jem_tcache_flag = 0;  // MALLOCX_TCACHE(id) once made (never 0)
struct TcacheReaper {
  unsigned id = 0;
  ~TcacheReaper() {
    jem_mallctl("tcache.destroy", nullptr, nullptr, &id, sizeof id);
    jem_tcache_flag = MALLOCX_TCACHE_NONE;
  }
};
thread_local TcacheReaper jem_reaper;
[[gnu::noinline]] int jem_make_tcache() {
  unsigned id = 0;
  std::size_t len = sizeof id;
  if (jem_mallctl("tcache.create", &id, &len, nullptr, 0) != 0) return MALLOCX_TCACHE_NONE;
  jem_reaper.id = id;
  return jem_tcache_flag = MALLOCX_TCACHE(id);
}
int jem_tcache_flags() { return jem_tcache_flag != 0 ? jem_tcache_flag : jem_make_tcache(); }
void *jem_arena_alloc(std::size_t n) { return jem_mallocx(n, MALLOCX_ARENA(jem_arena) | jem_tcache_flags()); }
void jem_arena_free(void *p) { jem_dallocx(p, jem_tcache_flags()); }
std::uint64_t jem_reserved() {
  std::uint64_t epoch = 1;
  std::size_t len = sizeof epoch;
  jem_mallctl("epoch", &epoch, &len, &epoch, len);
  std::size_t resident = 0;
  len = sizeof resident;
  return jem_mallctl("stats.resident", &resident, &len, nullptr, 0) == 0 ? resident : 0;
}

void *(*mi_malloc)(std::size_t) = nullptr;
void (*mi_free)(void *) = nullptr;
void (*mi_process_info)(std::size_t *, std::size_t *, std::size_t *, std::size_t *, std::size_t *, std::size_t *,
                        std::size_t *, std::size_t *) = nullptr;
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
    jem_lib = dlopen("libjemalloc.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!load(jem_lib, "malloc", jem_malloc) || !load(jem_lib, "free", jem_dealloc) ||
        !load(jem_lib, "mallctl", jem_mallctl)) {
      return PeerAllocator{"jemalloc"};
    }
    return PeerAllocator{"jemalloc", jem_malloc, jem_dealloc, jem_reserved};
  }();
  return p;
}

const PeerAllocator &jemalloc_arena() {
  static const PeerAllocator p = [] {
    std::size_t len = sizeof jem_arena;
    if (!jemalloc().available() || !load(jem_lib, "mallocx", jem_mallocx) || !load(jem_lib, "dallocx", jem_dallocx) ||
        jem_mallctl("arenas.create", &jem_arena, &len, nullptr, 0) != 0) {
      return PeerAllocator{"jemalloc_arena"};
    }
    return PeerAllocator{"jemalloc_arena", jem_arena_alloc, jem_arena_free};
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
    return PeerAllocator{"mimalloc", mi_malloc, mi_free, mi_reserved};
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
