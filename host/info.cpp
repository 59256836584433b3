// `unimem info`: the CPU and its ISA, the PMEM directories, the heterogeneous NUMA ids, and which
// backends are compiled in and work here (each probed by creating a small one).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "commands.hpp"
#include "unimem/core/cpu_features.hpp"
#include "unimem/gmem/gmem.hpp"
#include "unimem/gmem/topology.hpp"
#include "unimem/memory/backend/malloc_backend.hpp"
#include "unimem/memory/backend/posix_mmap_backend.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"
#include "unimem/pmem/memcpy_nt.hpp"
#include "unimem/pmem/persist.hpp"
#include "unimem/pmem/pmem_heap.hpp"
#include "unimem/pmem/pmem_pool.hpp"
#if UNIMEM_HAS_CUDA
#include "probe.hpp"
#include "unimem/memory/backend/gpu_shm_backend.hpp"
#include "unimem/memory/detail/gpu_runtime.hpp"
#endif

namespace unimem::tool {
namespace {

const char *yes(bool b) { return b ? "yes" : "no"; }

// Whether a backend can be created here, by creating a small one.
template <class Make>
std::string probe(Make &&make) {
  auto b = make();
  if (!b) return "no (" + std::string(errc_name(b.code())) + ")";
  (void)(*b)->destroy();
  return "yes";
}

// Names of the pools and regions info creates to probe what works here.
std::string probe_name() { return "unimem-info-probe-" + std::to_string(getpid()); }

// The PMEM directories: UNIMEM_PMEM_DIRS (colon-separated), else /dev/shm, where pools are emulated.
void pmem_dirs() {
  const char *env = std::getenv("UNIMEM_PMEM_DIRS");
  std::string dirs = env != nullptr && *env != '\0' ? env : "/dev/shm";
  std::printf("pmem dirs:  (UNIMEM_PMEM_DIRS, colon-separated; default /dev/shm)\n");
  for (std::size_t at = 0; at <= dirs.size();) {
    const std::size_t end = std::min(dirs.find(':', at), dirs.size());
    const std::string dir = dirs.substr(at, end - at);
    at = end + 1;
    if (dir.empty()) continue;
    const std::string probe_path = dir + "/" + probe_name();
    std::string pool = "no";
    if (auto p = pmem::PmemPool::create(probe_path, 4096)) {
      pool = std::string("yes, ") + pmem::granularity_name((*p)->granularity()) + " granularity";
      (void)(*p)->destroy();
    } else {
      pool += " (" + std::string(errc_name(p.code())) + ")";
    }
    std::printf("  %-24s dax=%s pool=%s\n", dir.c_str(), yes(pmem::is_dax_directory(dir)), pool.c_str());
  }
}

// The GPUs the linked runtime reports, or why there are none.
void gpus() {
  int found = 0;
  for (const auto &n : gmem::topology()) {
    if (n.kind == gmem::NodeKind::cpu) continue;
    std::printf("%s%s:%d %s, %.1f GiB, compute capability %s (hnid %d)\n", found++ == 0 ? "gpus:       " : "            ",
                gmem::node_kind_name(n.kind), n.index, n.name.c_str(), static_cast<double>(n.memory_bytes) / (1ull << 30),
                n.compute_capability.c_str(), n.hnid);
  }
  if (found != 0) return;
#if UNIMEM_HAS_CUDA
  auto n = unimem::detail::GpuRuntime<GpuVendor::cuda>::device_count();
  if (n) {
    std::printf("gpus:       none described (the CUDA runtime counts %d but gives no properties)\n", *n);
  } else {
    std::printf("gpus:       none (%s)\n", n.error().what().c_str());
  }
#else
  std::printf("gpus:       none (this tool is built without a GPU runtime: configure with UNIMEM_CUDA=ON)\n");
#endif
}

}  // namespace

int info() {
  const CpuFeatures &cpu = cpu_features();
  std::printf("cpu:        %s\n", cpu.model.empty() ? "(unknown)" : cpu.model.c_str());
  std::printf("isa:        avx512f=%s avx2=%s sse2=%s\n", yes(cpu.avx512f), yes(cpu.avx2), yes(cpu.sse2));
  std::printf("flush:      clwb=%s clflushopt=%s\n", yes(cpu.clwb), yes(cpu.clflushopt));
  std::printf("memcpy_nt:  %s (copies from %zu KiB stream past the caches), flush with %s\n",
              pmem::copy_isa_name(pmem::copy_isa()), pmem::nt_threshold() >> 10,
              pmem::flush_instruction_name(pmem::flush_instruction()));
  pmem_dirs();
  // Heterogeneous NUMA ids, as gmem numbers them: CPU nodes under their Linux numbers, then GPUs.
  std::printf("numa ids:   (hnid: CPU nodes first, then GPUs)\n");
  for (const auto &n : gmem::topology()) {
    std::printf("  %-3d %-5s %-28s %8.1f GiB\n", n.hnid, gmem::node_kind_name(n.kind), n.name.c_str(),
                static_cast<double>(n.memory_bytes) / (1ull << 30));
  }
  gpus();
  if (auto id = gmem::numa_id()) {
    std::printf("current:    hnid %d\n", *id);
  } else {
    std::printf("current:    unknown (%s)\n", id.error().what().c_str());
  }
  std::printf("backends:\n");
  std::printf("  malloc      compiled in, works here: %s\n",
              probe([] { return MallocBackend::create(4096); }).c_str());
  std::printf("  posix_mmap  compiled in, works here: %s\n",
              probe([] { return PosixMmapBackend::create(4096); }).c_str());
  std::printf("  posix_shm   compiled in, works here: %s\n",
              probe([&] { return PosixShmBackend::create(probe_name(), 4096); }).c_str());
#if UNIMEM_HAS_CUDA
  // Works here = a kernel writes through the mapping and the host sees it.
  std::printf("  cuda_shm    compiled in, works here: %s\n", probe([&]() -> Result<std::unique_ptr<CudaShmBackend>> {
                auto b = CudaShmBackend::create(probe_name(), 4096);
                if (!b) return b;
                if (auto ok = kernels::probe_mapping<GpuVendor::cuda>((*b)->device_data(), (*b)->data(), 4096); !ok) {
                  (void)(*b)->destroy();
                  return ok.error();
                }
                return b;
              }).c_str());
#else
  std::printf("  cuda_shm    not compiled in (configure with UNIMEM_CUDA=ON)\n");
#endif
  return 0;
}

}  // namespace unimem::tool
