// Non-temporal copy, GB/s by size (4 KiB .. 1 GiB), DRAM -> DRAM and PMEM pool -> DRAM: memcpy_nt
// (dispatched, and each ISA body this CPU has) against glibc memcpy, libpmem2's memcpy with
// PMEM2_F_MEM_NONTEMPORAL, libpmem's pmem_memcpy_nodrain, and a STREAM-style copy loop (the
// physical reference). Then memcpy_nt_parallel and the Stager with 2 copy threads against one.
// Pools live in /dev/shm (UNIMEM_BENCH_PMEM_DIR overrides), as in the tests.
#include <benchmark/benchmark.h>
#include <libpmem.h>
#include <libpmem2.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "unimem/pmem/memcpy_nt.hpp"
#include "unimem/pmem/pmem_pool.hpp"
#include "unimem/pmem/stager.hpp"

using namespace unimem;
using namespace unimem::pmem;

namespace {

constexpr std::size_t kMaxBytes = std::size_t{1} << 30;

char *map_touched(std::size_t bytes) {
  void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  std::memset(p, 1, bytes);
  return static_cast<char *>(p);
}

// One source and destination per run of the program, the largest size's worth.
struct Buffers {
  char *dram_src = map_touched(kMaxBytes);
  char *dram_dst = map_touched(kMaxBytes);
  std::unique_ptr<PmemPool> pool;
  Buffers() {
    const char *dir = std::getenv("UNIMEM_BENCH_PMEM_DIR");
    const std::string path = std::string(dir ? dir : "/dev/shm") + "/unimem-bench-" + std::to_string(getpid());
    if (auto p = PmemPool::create(path, kMaxBytes)) {
      pool = std::move(*p);
      std::memset(pool->data(), 2, kMaxBytes);
    }
    ::unlink(path.c_str());
  }
  static Buffers &get() {
    static Buffers b;
    return b;
  }
};

// libpmem2's copy functions come with a mapping; an anonymous one has byte granularity, so its
// memcpy is the bare x86 implementation (no flush, no msync), callable on any memory.
pmem2_memcpy_fn pmem2_memcpy() {
  static pmem2_memcpy_fn fn = [] () -> pmem2_memcpy_fn {
    pmem2_source *src = nullptr;
    pmem2_config *cfg = nullptr;
    pmem2_map *map = nullptr;
    if (pmem2_source_from_anon(&src, 1 << 20) != 0 || pmem2_config_new(&cfg) != 0 ||
        pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_PAGE) != 0 ||
        pmem2_map_new(&map, cfg, src) != 0) {
      return nullptr;
    }
    return pmem2_get_memcpy_fn(map);  // the mapping stays for the process's life
  }();
  return fn;
}

// STREAM's Copy kernel, kept a loop (GCC would otherwise call memcpy for it).
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void stream_copy(double *__restrict c,
                                                                                 const double *__restrict a,
                                                                                 std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) c[j] = a[j];
}

enum class Impl { unimem, isa_sse2, isa_avx2, isa_avx512f, glibc, pmem2_nt, pmem_nodrain, stream };

void copy(benchmark::State &st, Impl impl, bool from_pool) {
  Buffers &b = Buffers::get();
  const auto n = static_cast<std::size_t>(st.range(0));
  const char *src = from_pool ? (b.pool ? b.pool->data() : nullptr) : b.dram_src;
  char *dst = b.dram_dst;
  if (src == nullptr || dst == nullptr) return st.SkipWithError("no buffers (mmap or pool failed)");
  const CopyIsa isa = impl == Impl::isa_avx512f ? CopyIsa::avx512f : impl == Impl::isa_avx2 ? CopyIsa::avx2 : CopyIsa::sse2;
  const bool isa_body = impl == Impl::isa_sse2 || impl == Impl::isa_avx2 || impl == Impl::isa_avx512f;
  if (isa_body && !copy_isa_supported(isa)) return st.SkipWithError("this CPU lacks the ISA");
  const pmem2_memcpy_fn pm2 = impl == Impl::pmem2_nt ? pmem2_memcpy() : nullptr;  // no static guard in the loop
  if (impl == Impl::pmem2_nt && pm2 == nullptr) return st.SkipWithError("libpmem2 anonymous map failed");
  for (auto _ : st) {
    switch (impl) {
      case Impl::unimem: memcpy_nt(dst, src, n); break;
      case Impl::isa_sse2:
      case Impl::isa_avx2:
      case Impl::isa_avx512f: (void)memcpy_nt(isa, dst, src, n); break;
      case Impl::glibc: std::memcpy(dst, src, n); break;
      case Impl::pmem2_nt: pm2(dst, src, n, PMEM2_F_MEM_NONTEMPORAL); break;
      case Impl::pmem_nodrain: pmem_memcpy_nodrain(dst, src, n); break;
      case Impl::stream:
        stream_copy(reinterpret_cast<double *>(dst), reinterpret_cast<const double *>(src), n / sizeof(double));
        break;
    }
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * n));
}

void sizes(benchmark::internal::Benchmark *b) {
  for (std::size_t n = 4096; n <= kMaxBytes; n *= 4) b->Arg(static_cast<std::int64_t>(n));
  b->UseRealTime();
}

#define UNIMEM_COPY_BENCH(name, impl)                                                                      \
  BENCHMARK_CAPTURE(copy, dram_##name, Impl::impl, false)->Name("copy_dram/" #name)->Apply(sizes);       \
  BENCHMARK_CAPTURE(copy, pool_##name, Impl::impl, true)->Name("copy_pool/" #name)->Apply(sizes)

UNIMEM_COPY_BENCH(unimem, unimem);
UNIMEM_COPY_BENCH(unimem_avx512f, isa_avx512f);
UNIMEM_COPY_BENCH(unimem_avx2, isa_avx2);
UNIMEM_COPY_BENCH(unimem_sse2, isa_sse2);
UNIMEM_COPY_BENCH(glibc, glibc);
UNIMEM_COPY_BENCH(pmem2_nt, pmem2_nt);
UNIMEM_COPY_BENCH(pmem_nodrain, pmem_nodrain);
UNIMEM_COPY_BENCH(stream, stream);

// 256 MiB, memory-bound: two copy threads against one.
constexpr std::size_t kParallelBytes = std::size_t{256} << 20;

void parallel_copy(benchmark::State &st, unsigned threads) {
  Buffers &b = Buffers::get();
  for (auto _ : st) memcpy_nt_parallel(b.dram_dst, b.dram_src, kParallelBytes, threads);
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * kParallelBytes));
}
BENCHMARK_CAPTURE(parallel_copy, two, 2u)->Name("parallel_copy/unimem_2_threads")->UseRealTime();
BENCHMARK_CAPTURE(parallel_copy, one, 1u)->Name("parallel_copy/one_thread")->UseRealTime();

// The staging pipeline from the pool to DRAM on a host stream (the path a GPU stream takes, with
// the DMA replaced by the stream worker's memcpy).
void stage(benchmark::State &st, unsigned threads) {
  Buffers &b = Buffers::get();
  if (!b.pool) return st.SkipWithError("no pool");
  auto stream = Stream::host();
  auto stager = stream ? Stager::create(*stream, {.chunk_bytes = 8 << 20, .buffers = 2, .copy_threads = threads})
                       : Result<Stager>(stream.error());
  if (!stager) return st.SkipWithError(stager.error().what().c_str());
  for (auto _ : st) {
    if (!stager->stage(b.dram_dst, b.pool->data(), kParallelBytes) || !stream->synchronize()) {
      return st.SkipWithError("staging failed");
    }
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * kParallelBytes));
}
BENCHMARK_CAPTURE(stage, two, 2u)->Name("stage/unimem_2_threads")->UseRealTime();
BENCHMARK_CAPTURE(stage, one, 1u)->Name("stage/one_thread")->UseRealTime();

}  // namespace
