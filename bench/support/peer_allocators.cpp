#include "peer_allocators.hpp"

#include <dlfcn.h>
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

void *(*je_mallocx)(std::size_t, int) = nullptr;
void (*je_dallocx)(void *, int) = nullptr;
int (*je_mallctl)(const char *, void *, std::size_t *, void *, std::size_t) = nullptr;
void *je_alloc(std::size_t n) { return je_mallocx(n, 0); }
void je_free(void *p) { je_dallocx(p, 0); }
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
    if (!load(lib, "mallocx", je_mallocx) || !load(lib, "dallocx", je_dallocx) || !load(lib, "mallctl", je_mallctl)) {
      return PeerAllocator{"jemalloc"};
    }
    return PeerAllocator{"jemalloc", je_alloc, je_free, je_reserved};
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
