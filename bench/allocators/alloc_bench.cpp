// Allocator throughput and memory overhead, unimem against its peers in one run:
//   unimem_tla   ThreadLocalAllocator in a POSIX shared memory region
//   unimem_spa   ScalablePageAllocator in a POSIX shared memory region
//   glibc        malloc / free
//   jemalloc     mallocx / dallocx (Debian's libjemalloc2, loaded with dlopen)
//   mimalloc     mi_malloc / mi_free (Debian's libmimalloc2, loaded with dlopen)
//   boost_ipc    Boost.Interprocess managed_shared_memory (the usual shared memory allocator)
// Workloads: alloc/free pairs of 16..1024 B; a batch of 10 000 allocations then frees; Larson-style
// producer/consumer (blocks freed by another thread); each at 1 and 2 threads. overhead/<impl> runs a
// mixed-size trace and reports reserved bytes / live bytes.
#include <benchmark/benchmark.h>

#include <boost/interprocess/managed_shared_memory.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <memory>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "support/peer_allocators.hpp"
#include "unimem/memory/allocator/scalable_page_allocator.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"

namespace bip = boost::interprocess;
using namespace unimem;
using unimem::bench::PeerAllocator;

namespace {

constexpr std::size_t kRegionBytes = std::size_t{2} << 30;

// A unimem allocator in its own shm region, removed at exit.
template <class A>
struct UnimemHeap {
  std::unique_ptr<PosixShmBackend> backend;
  std::unique_ptr<A> alloc;
  char *base = nullptr;
  explicit UnimemHeap(const char *tag) {
    const std::string name = std::string("unimem-bench-") + tag + "-" + std::to_string(getpid());
    backend = std::move(PosixShmBackend::create(name, kRegionBytes).value());
    alloc = std::move(A::create(*backend, AllocatorId{1}).value());
    base = backend->base();
  }
  ~UnimemHeap() {
    alloc.reset();
    (void)backend->destroy();
  }
};

struct BoostHeap {
  std::string name = "unimem-bench-boost-" + std::to_string(getpid());
  std::unique_ptr<bip::managed_shared_memory> seg;
  BoostHeap() : seg(new bip::managed_shared_memory(bip::create_only, name.c_str(), kRegionBytes)) {}
  ~BoostHeap() {
    seg.reset();
    bip::shared_memory_object::remove(name.c_str());
  }
};

template <class A>
UnimemHeap<A> &heap(const char *tag) {
  static UnimemHeap<A> h(tag);
  return h;
}
BoostHeap &boost_heap() {
  static BoostHeap h;
  return h;
}

// unimem through its public API: offsets from the allocator, addresses for the caller.
template <class A, const char *Tag>
PeerAllocator unimem_peer(const char *name) {
  PeerAllocator p;
  p.name = name;
  p.alloc = [](std::size_t n) -> void * {
    auto &h = heap<A>(Tag);
    const OffsetPtr<void> off = h.alloc->allocate_offset(MemContext{}, n);
    return off.is_null() ? nullptr : h.base + off.offset();
  };
  p.free = [](void *q) {
    auto &h = heap<A>(Tag);
    (void)h.alloc->free_offset(MemContext{}, OffsetPtr<void>(static_cast<std::uint64_t>(static_cast<char *>(q) - h.base)));
  };
  p.reserved = [] { return heap<A>(Tag).alloc->stats().bytes_reserved; };
  return p;
}

constexpr char kTla[] = "tla";
constexpr char kSpa[] = "spa";

std::vector<PeerAllocator> impls() {
  std::vector<PeerAllocator> v;
  v.push_back(unimem_peer<ThreadLocalAllocator, kTla>("unimem_tla"));
  v.push_back(unimem_peer<ScalablePageAllocator, kSpa>("unimem_spa"));
  v.push_back(bench::glibc_malloc());
  if (bench::jemalloc().available()) v.push_back(bench::jemalloc());
  if (bench::mimalloc().available()) v.push_back(bench::mimalloc());
  PeerAllocator b;
  b.name = "boost_ipc";
  b.alloc = [](std::size_t n) { return boost_heap().seg->allocate(n, std::nothrow); };
  b.free = [](void *q) { boost_heap().seg->deallocate(q); };
  b.reserved = [] { return static_cast<std::uint64_t>(boost_heap().seg->get_size() - boost_heap().seg->get_free_memory()); };
  v.push_back(b);
  return v;
}

// Thread 0 allocates and hands blocks to thread 1, which frees them (with one thread, it frees its
// own). Items are blocks passed through.
void larson(benchmark::State &st, PeerAllocator a) {
  constexpr int kPerIteration = 64;
  static boost::lockfree::spsc_queue<void *, boost::lockfree::capacity<4096>> ring;
  const bool produce = st.thread_index() == 0;
  const bool consume = st.threads() == 1 || st.thread_index() == 1;
  for (auto _ : st) {
    if (produce) {
      for (int i = 0; i < kPerIteration; ++i) {
        void *p = a.alloc(16 + (i % 8) * 16);
        while (!ring.push(p)) {
        }
      }
    }
    if (consume) {
      for (int i = 0; i < kPerIteration; ++i) {
        void *p = nullptr;
        while (!ring.pop(p)) {
        }
        a.free(p);
      }
    }
  }
  st.SetItemsProcessed(produce ? st.iterations() * kPerIteration : 0);
}

// A mixed-size trace: mostly small blocks, some medium and large, about 30 000 live at the end.
// Reports bytes taken from the system over bytes requested and still live.
void overhead(benchmark::State &st, PeerAllocator a) {
  for (auto _ : st) {
    std::mt19937_64 rng(7);
    auto size = [&]() -> std::size_t {
      const unsigned r = rng() % 100;
      if (r < 50) return 16 + rng() % 49;
      if (r < 75) return 65 + rng() % 192;
      if (r < 90) return 257 + rng() % 1792;
      if (r < 98) return 2049 + rng() % 30720;
      return 32769 + rng() % (480u << 10);
    };
    const std::uint64_t before = a.reserved();
    std::vector<std::pair<void *, std::size_t>> live;
    std::uint64_t live_bytes = 0;
    for (int step = 0; step < 200000; ++step) {
      if (live.size() < 30000 || rng() % 2 == 0) {
        const std::size_t n = size();
        live.emplace_back(a.alloc(n), n);
        live_bytes += n;
      } else {
        const std::size_t i = rng() % live.size();
        a.free(live[i].first);
        live_bytes -= live[i].second;
        live[i] = live.back();
        live.pop_back();
      }
    }
    const std::uint64_t reserved = a.reserved() - before;
    st.counters["live_bytes"] = static_cast<double>(live_bytes);
    st.counters["reserved_bytes"] = static_cast<double>(reserved);
    st.counters["reserved_over_live"] = static_cast<double>(reserved) / static_cast<double>(live_bytes);
    for (auto &[p, n] : live) a.free(p);
  }
}

const bool registered = [] {
  for (const PeerAllocator &a : impls()) {
    benchmark::RegisterBenchmark(("overhead/" + a.name).c_str(), overhead, a)->Iterations(1);
  }
  for (std::size_t size : {16, 64, 256, 1024}) {
    for (const PeerAllocator &a : impls()) {
      benchmark::RegisterBenchmark(("pair" + std::to_string(size) + "/" + a.name).c_str(), bench::alloc_pair, a, size)
          ->Threads(1)->Threads(2)->UseRealTime();
    }
  }
  for (const PeerAllocator &a : impls()) {
    benchmark::RegisterBenchmark(("batch/" + a.name).c_str(), bench::alloc_batch, a, std::size_t{16})
        ->Threads(1)->Threads(2)->UseRealTime();
  }
  for (const PeerAllocator &a : impls()) {
    benchmark::RegisterBenchmark(("larson/" + a.name).c_str(), larson, a)->Threads(1)->Threads(2)->UseRealTime();
  }
  return true;
}();

}  // namespace
