// Device-side allocation and map throughput, written once and measured on every executor of this
// build: the host emulation always, the GPU when built with CUDA and a device is present (names
// and ratios: support/bench_main.cpp).
//   device_alloc/<impl>/<executor>: every thread of a full grid allocates, stamps, checks and frees
//     16-256 B blocks; unimem's ThreadLocalAllocator against the executor's malloc (CUDA's
//     in-kernel heap on a GPU, glibc in the host emulation). Items = allocations.
//   map_insert, map_find/<impl>/<executor>: one key per thread into / out of an unordered_map sized
//     for the grid; on the host the peer is a mutex-guarded std::unordered_map filled by as many OS
//     threads as there are cores. Items = keys.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "device_kernels.hpp"
#include "malloc_free_kernel.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/backend/malloc_backend.hpp"
#if defined(UNIMEM_BENCH_VENDOR)
#include "unimem/memory/backend/gpu_managed_backend.hpp"
#endif

namespace {

using namespace unimem;
using kernels::Counter;

#if defined(UNIMEM_BENCH_VENDOR)
constexpr GpuVendor kVendor = GpuVendor::UNIMEM_BENCH_VENDOR;
constexpr auto kBuild = kernels::KernelBuild::cuda;
#else
constexpr auto kBuild = kernels::KernelBuild::host;
#endif

constexpr int kRounds = 8;

// One executor: its stream, its shape of a full grid, and a region the kernels can use.
struct Executor {
  std::string name;
  Stream stream;
  LaunchConfig grid;
  std::unique_ptr<MemoryBackend> backend;
  std::unique_ptr<ThreadLocalAllocator> alloc;
  SlabAllocatorRef ref;
  Counter *failures = nullptr;

  static Result<Executor> host() {
    Executor e;
    e.name = "host";
    // One block per core in flight, each as large as the budget allows: what the emulation runs at once.
    e.grid = LaunchConfig{Dim3(8), Dim3(256), 0};
    auto b = MallocBackend::create(512u << 20);
    if (!b) return b.error();
    e.backend = std::move(*b);
    if (auto ok = e.finish_region(false); !ok) return ok.error();
    return e;
  }
#if defined(UNIMEM_BENCH_VENDOR)
  static Result<Executor> gpu() {
    Executor e;
    e.name = "gpu";
    auto s = Stream::gpu<kVendor>();
    if (!s) return s.error();
    e.stream = *s;
    // A full grid: 8 blocks of 256 per SM covers every SM of an H100 (132) several times over.
    e.grid = LaunchConfig{Dim3(132 * 8), Dim3(256), 0};
    auto b = GpuManagedBackend<kVendor>::create(std::size_t{4} << 30);
    if (!b) return b.error();
    e.backend = std::move(*b);
    if (auto ok = e.finish_region(true); !ok) return ok.error();
    if (auto ok = bench::reserve_device_heap<kBuild>(std::size_t{2} << 30); !ok) return ok.error();
    return e;
  }
#endif

  Result<void> finish_region(bool device) {
    auto a = ThreadLocalAllocator::create(*backend, AllocatorId{1});
    if (!a) return a.error();
    alloc = std::move(*a);
    if (device) {
      auto d = alloc->device_ref();
      if (!d) return d.error();
      ref = *d;
    } else {
      ref = alloc->ref();
    }
    auto c = alloc->allocate<Counter>({}, 1);
    failures = new (c.ptr) Counter(0);
    return success();
  }
  Counter *kernel_failures() const { return backend->device_base() ? backend->device_address(failures) : failures; }
};

std::vector<std::unique_ptr<Executor>> &executors() {
  static std::vector<std::unique_ptr<Executor>> all = [] {
    std::vector<std::unique_ptr<Executor>> v;
    if (auto h = Executor::host()) v.push_back(std::make_unique<Executor>(std::move(*h)));
#if defined(UNIMEM_BENCH_VENDOR)
    if (auto g = Executor::gpu()) v.push_back(std::make_unique<Executor>(std::move(*g)));
#endif
    return v;
  }();
  return all;
}

bool check(benchmark::State &st, const Result<void> &r, Executor &e) {
  if (!r) {
    st.SkipWithError(r.error().what().c_str());
    return false;
  }
  if (e.failures->load(std::memory_order_acquire) != 0) {
    st.SkipWithError("a kernel thread saw a wrong answer");
    return false;
  }
  return true;
}

template <class Launch>
void run_alloc(benchmark::State &st, Executor &e, Launch launch_it) {
  for (auto _ : st) {
    auto r = launch_it();
    if (r) r = e.stream.synchronize();
    if (!check(st, r, e)) return;
  }
  st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(e.grid.thread_count()) * kRounds);
}

void alloc_unimem(benchmark::State &st, Executor *e) {
  run_alloc(st, *e, [&] { return kernels::alloc_free<kBuild>(e->stream, e->grid, e->ref, kRounds, e->kernel_failures()); });
}
void alloc_malloc(benchmark::State &st, Executor *e) {
  run_alloc(st, *e, [&] { return bench::malloc_free<kBuild>(e->stream, e->grid, kRounds, e->kernel_failures()); });
}

// map_insert (find = false) or map_find over one key per grid thread; the map is rebuilt outside
// the timing for each insert round.
void map_unimem(benchmark::State &st, Executor *e, bool find) {
  const std::uint64_t n = e->grid.thread_count();
  auto map = unordered_map<unsigned long long, unsigned long long>::create(*e->alloc, n).value();
  const auto kmap = map.rebind(e->ref);
  if (find && !check(st, kernels::map_insert<kBuild>(e->stream, e->grid, kmap, 0, e->kernel_failures()), *e)) return;
  if (find && !check(st, e->stream.synchronize(), *e)) return;
  for (auto _ : st) {
    if (!find) {
      st.PauseTiming();
      map.clear();
      st.ResumeTiming();
    }
    auto r = find ? kernels::map_probe<kBuild>(e->stream, e->grid, kmap, 0, e->kernel_failures())
                  : kernels::map_insert<kBuild>(e->stream, e->grid, kmap, 0, e->kernel_failures());
    if (r) r = e->stream.synchronize();
    if (!check(st, r, *e)) return;
  }
  st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(n));
  map.destroy();
}

// The host peer: OS threads (one per core) sharing a std::unordered_map under a mutex.
void map_std_locked(benchmark::State &st, Executor *e, bool find) {
  const std::uint64_t n = e->grid.thread_count();
  const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  std::unordered_map<unsigned long long, unsigned long long> map;
  std::mutex m;
  map.reserve(n);
  const auto run = [&](bool lookup) {
    std::vector<std::thread> pool;
    std::atomic<unsigned long long> wrong{0};
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (std::uint64_t k = t; k < n; k += threads) {
          std::lock_guard lock(m);
          if (lookup) {
            auto it = map.find(k);
            if (it == map.end() || it->second != 3 * k) wrong.fetch_add(1);
          } else {
            map.emplace(k, 3 * k);
          }
        }
      });
    }
    for (auto &p : pool) p.join();
    return wrong.load() == 0;
  };
  if (find) run(false);
  for (auto _ : st) {
    if (!find) {
      st.PauseTiming();
      map.clear();
      st.ResumeTiming();
    }
    if (!run(find)) return st.SkipWithError("a lookup gave the wrong answer");
  }
  st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(n));
}

const bool registered = [] {
  for (auto &owned : executors()) {
    Executor *e = owned.get();
    const std::string peer = e->name == "gpu" ? "cuda_malloc" : "malloc";
    benchmark::RegisterBenchmark(("device_alloc/unimem/" + e->name).c_str(), alloc_unimem, e)->UseRealTime();
    benchmark::RegisterBenchmark(("device_alloc/" + peer + "/" + e->name).c_str(), alloc_malloc, e)->UseRealTime();
    for (bool find : {false, true}) {
      const std::string op = find ? "map_find" : "map_insert";
      benchmark::RegisterBenchmark((op + "/unimem/" + e->name).c_str(), map_unimem, e, find)->UseRealTime();
      if (e->name == "host") {
        benchmark::RegisterBenchmark((op + "/std_locked/" + e->name).c_str(), map_std_locked, e, find)->UseRealTime();
      }
    }
  }
  return true;
}();

}  // namespace
