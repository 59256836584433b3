// gmem: first touch of 1 GiB with and without prefetch, free_eager per GiB against the bare madvise
// it wraps, and the jemalloc heap against glibc and jemalloc called directly (target: within 10% of
// jemalloc). The heap's created-arena form ("unimem_arena", the shape of the managed-memory heap)
// runs with its explicit tcache per thread; its like-for-like peer is jemalloc_arena.
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <cstring>
#include <vector>

#include "support/peer_allocators.hpp"
#include "unimem/gmem/gmem.hpp"
#include "unimem/gmem/heap.hpp"

using namespace unimem;
using unimem::bench::PeerAllocator;

namespace {

constexpr std::size_t kGiB = std::size_t{1} << 30;

char *map_gib() {
  void *p = mmap(nullptr, kGiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : static_cast<char *>(p);
}

void touch(char *p) {
  for (std::size_t off = 0; off < kGiB; off += 4096) p[off] = 1;
  benchmark::ClobberMemory();
}

enum class Prefetch { none, untimed, timed };

// The first write to every page of a fresh GiB. Prefetch::untimed measures the touch alone after a
// prefetch (is the first touch free?); Prefetch::timed the whole cost of a ready GiB.
void touch_gib(benchmark::State &st, Prefetch prefetch) {
  for (auto _ : st) {
    st.PauseTiming();
    char *p = map_gib();
    if (p == nullptr) return st.SkipWithError("mmap of 1 GiB failed");
    if (prefetch == Prefetch::untimed && !gmem::prefetch(p, kGiB, 0)) return st.SkipWithError("prefetch failed");
    st.ResumeTiming();
    if (prefetch == Prefetch::timed && !gmem::prefetch(p, kGiB, 0)) return st.SkipWithError("prefetch failed");
    touch(p);
    st.PauseTiming();
    munmap(p, kGiB);
    st.ResumeTiming();
  }
  st.SetBytesProcessed(st.iterations() * kGiB);
}

void release_gib(benchmark::State &st, bool unimem) {
  char *p = map_gib();
  if (p == nullptr) return st.SkipWithError("mmap of 1 GiB failed");
  for (auto _ : st) {
    st.PauseTiming();
    std::memset(p, 1, kGiB);
    st.ResumeTiming();
    const bool ok = unimem ? gmem::free_eager(p, kGiB).ok() : madvise(p, kGiB, MADV_DONTNEED) == 0;
    if (!ok) return st.SkipWithError("release failed");
  }
  munmap(p, kGiB);
  st.SetBytesProcessed(st.iterations() * kGiB);
}

// Namespace-scope heaps, not functions' statics: no initialisation guard on every call.
gmem::Heap host_heap = gmem::Heap::host();
const unimem_extent_source mmap_source = unimem_mmap_extent_source();
gmem::Heap arena = std::move(gmem::Heap::create(mmap_source).value());

std::vector<PeerAllocator> heaps() {
  std::vector<PeerAllocator> v;
  PeerAllocator host;
  host.name = "unimem_heap";
  host.alloc = [](std::size_t n) { return host_heap.malloc(n); };
  host.free = [](void *p) { host_heap.free(p); };
  v.push_back(host);
  PeerAllocator created;
  created.name = "unimem_arena";
  created.alloc = [](std::size_t n) { return arena.malloc(n); };
  created.free = [](void *p) { arena.free(p); };
  v.push_back(created);
  v.push_back(bench::glibc_malloc());
  if (bench::jemalloc().available()) v.push_back(bench::jemalloc());
  if (bench::jemalloc_arena().available()) v.push_back(bench::jemalloc_arena());
  return v;
}

const bool registered = [] {
  benchmark::RegisterBenchmark("first_touch_1GiB/unimem_prefetched", touch_gib, Prefetch::untimed)->Iterations(3)->UseRealTime();
  benchmark::RegisterBenchmark("first_touch_1GiB/fault", touch_gib, Prefetch::none)->Iterations(3)->UseRealTime();
  benchmark::RegisterBenchmark("ready_1GiB/unimem_prefetch", touch_gib, Prefetch::timed)->Iterations(3)->UseRealTime();
  benchmark::RegisterBenchmark("ready_1GiB/fault", touch_gib, Prefetch::none)->Iterations(3)->UseRealTime();
  benchmark::RegisterBenchmark("release_1GiB/unimem_free_eager", release_gib, true)->Iterations(5)->UseRealTime();
  benchmark::RegisterBenchmark("release_1GiB/madvise", release_gib, false)->Iterations(5)->UseRealTime();
  for (std::size_t size : {64, 1024}) {
    for (const PeerAllocator &a : heaps()) {
      benchmark::RegisterBenchmark(("heap_pair" + std::to_string(size) + "/" + a.name).c_str(), bench::alloc_pair, a, size)
          ->Threads(1)->Threads(2)->UseRealTime();
    }
  }
  for (const PeerAllocator &a : heaps()) {
    benchmark::RegisterBenchmark(("heap_batch/" + a.name).c_str(), bench::alloc_batch, a, std::size_t{256})
        ->Threads(1)->Threads(2)->UseRealTime();
  }
  return true;
}();

}  // namespace
