// The `unimem` command: facts about this machine and the shared regions on it.
//   unimem info
//   unimem shm list | inspect NAME | check NAME [--reclaim] | remove NAME [--force]
// Exit codes: 0 success, 1 the operation failed (e.g. a damaged region), 2 usage error.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "unimem/core/cpu_features.hpp"
#include "unimem/gmem/gmem.hpp"
#include "unimem/gmem/topology.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/backend/malloc_backend.hpp"
#include "unimem/memory/backend/posix_mmap_backend.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"
#include "unimem/memory/shm_region_info.hpp"
#include "unimem/pmem/memcpy_nt.hpp"
#include "unimem/pmem/persist.hpp"
#include "unimem/pmem/pmem_heap.hpp"
#include "unimem/pmem/pmem_pool.hpp"
#if UNIMEM_HAS_CUDA
#include "probe.hpp"
#include "unimem/memory/backend/gpu_shm_backend.hpp"
#endif

using namespace unimem;

namespace {

constexpr const char *kUsage =
    "usage: unimem info\n"
    "       unimem shm list\n"
    "       unimem shm inspect NAME\n"
    "       unimem shm check NAME [--reclaim]\n"
    "       unimem shm remove NAME [--force]\n";

int usage_error(const std::string &why) {
  std::fprintf(stderr, "unimem: %s\n%s", why.c_str(), kUsage);
  return 2;
}

const char *yes(bool b) { return b ? "yes" : "no"; }

// Whether a backend can be created here, by creating a small one.
template <class Make>
std::string probe(Make &&make) {
  auto b = make();
  if (!b) return "no (" + std::string(errc_name(b.code())) + ")";
  (void)(*b)->destroy();
  return "yes";
}

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
    const std::string probe_path = dir + "/unimem-info-probe-" + std::to_string(getpid());
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
  const std::string probe_name = "unimem-info-probe-" + std::to_string(getpid());
  std::printf("  posix_shm   compiled in, works here: %s\n",
              probe([&] { return PosixShmBackend::create(probe_name, 4096); }).c_str());
#if UNIMEM_HAS_CUDA
  // Works here = a kernel writes through the mapping and the host sees it.
  std::printf("  cuda_shm    compiled in, works here: %s\n", probe([&]() -> Result<std::unique_ptr<CudaShmBackend>> {
                auto b = CudaShmBackend::create(probe_name, 4096);
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

std::string age(std::uint64_t created_ns) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const long long s = now - static_cast<long long>(created_ns / 1000000000ull);
  return s < 120 ? std::to_string(s) + "s" : s < 7200 ? std::to_string(s / 60) + "m" : std::to_string(s / 3600) + "h";
}

void print_row(const ShmRegionInfo &r) {
  std::printf("%-40s %12llu  %-10s %7u %-5s %6s  %zu  %s\n", r.name.c_str(),
              static_cast<unsigned long long>(r.file_bytes), std::string(backend_kind_name(r.header.backend_kind())).c_str(),
              r.header.creator_pid, r.creator_alive ? "alive" : "dead", age(r.header.created_unix_ns).c_str(),
              r.mapped_by.size(), r.problem ? r.problem->what().c_str() : "ok");
}

int shm_list() {
  auto regions = list_shm_regions();
  if (!regions) return std::fprintf(stderr, "unimem: %s\n", regions.error().what().c_str()), 1;
  std::printf("%-40s %12s  %-10s %7s %-5s %6s  %s  %s\n", "NAME", "BYTES", "KIND", "CREATOR", "", "AGE", "MAPS",
              "STATE");
  for (const auto &r : *regions) print_row(r);
  return 0;
}

// The allocator in the region: its statistics, a structural check, and caches of dead processes.
// @return 1 when the structures are damaged.
int check_allocator(const char *name, bool reclaim) {
  auto b = PosixShmBackend::attach(name);
  if (!b) return std::fprintf(stderr, "unimem: %s\n", b.error().what().c_str()), 1;
  auto a = SlabAllocator::attach_existing(**b);
  if (!a) {
    std::printf("allocator:     none (%s)\n", a.error().message().c_str());
    return a.code() == Errc::not_found ? 0 : 1;
  }
  const bool tla = dynamic_cast<ThreadLocalAllocator *>(a->get()) != nullptr;
  const AllocatorStats st = (*a)->stats();
  std::printf("allocator:     %s, id %u\n", tla ? "ThreadLocalAllocator" : "ScalablePageAllocator", (*a)->id().value);
  std::printf("in use:        %llu bytes (peak %llu), reserved %llu of %llu bytes, %llu large blocks\n",
              static_cast<unsigned long long>(st.bytes_in_use), static_cast<unsigned long long>(st.peak_bytes_in_use),
              static_cast<unsigned long long>(st.bytes_reserved), static_cast<unsigned long long>(st.capacity_bytes),
              static_cast<unsigned long long>(st.large_blocks));
  const HeapReport report = (*a)->check();
  if (report.problems.empty()) {
    std::printf("structure:     consistent (%u pages in use, %u in free runs)\n", report.pages_in_use, report.pages_free);
  } else {
    std::printf("structure:     %zu problem(s)\n", report.problems.size());
    for (const auto &p : report.problems) std::printf("  %s\n", p.c_str());
  }
  if (report.dead_caches.empty()) std::printf("dead processes: none\n");
  for (const auto &d : report.dead_caches) {
    std::printf("dead process:  pid %u holds cache %u with %u span(s)%s\n", d.pid, d.slot, d.spans,
                reclaim ? "" : " (use --reclaim to give them back)");
  }
  if (reclaim && !report.dead_caches.empty()) {
    std::printf("reclaimed:     %u cache(s)\n", (*a)->reclaim_dead_processes());
  }
  return report.problems.empty() ? 0 : 1;
}

int shm_inspect(const char *name, bool check_only, bool reclaim = false) {
  auto r = inspect_shm_region(name);
  if (!r) return std::fprintf(stderr, "unimem: %s\n", r.error().what().c_str()), 1;
  if (!check_only) {
    const RegionHeader &h = r->header;
    std::printf("name:          %s\n", r->name.c_str());
    std::printf("kind:          %s\n", std::string(backend_kind_name(h.backend_kind())).c_str());
    std::printf("layout:        version %u, header %u bytes\n", h.version, h.header_bytes);
    std::printf("size:          %llu bytes (file %llu)\n", static_cast<unsigned long long>(h.region_bytes),
                static_cast<unsigned long long>(r->file_bytes));
    std::printf("creator:       pid %u (%s), uid %u, %s ago\n", h.creator_pid, r->creator_alive ? "alive" : "dead",
                h.creator_uid, age(h.created_unix_ns).c_str());
    std::printf("mapped by:    ");
    for (pid_t p : r->mapped_by) std::printf(" %d", p);
    std::printf("%s\n", r->mapped_by.empty() ? " nobody" : "");
  }
  std::printf("header:        %s\n", r->problem ? r->problem->what().c_str() : "valid");
  if (r->problem) return 1;
  return check_allocator(name, reclaim);
}

int shm_remove(const char *name, bool force) {
  auto r = inspect_shm_region(name);
  if (!r) return std::fprintf(stderr, "unimem: %s\n", r.error().what().c_str()), 1;
  if (!r->mapped_by.empty() && !force) {
    std::fprintf(stderr, "unimem: %s is mapped by %zu process(es) (first: pid %d); use --force to remove it anyway\n",
                 r->name.c_str(), r->mapped_by.size(), r->mapped_by.front());
    return 1;
  }
  if (auto ok = PosixShmBackend::remove(name); !ok) return std::fprintf(stderr, "unimem: %s\n", ok.error().what().c_str()), 1;
  std::printf("removed %s\n", r->name.c_str());
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  if (a.empty() || a[0] == "-h" || a[0] == "--help" || a[0] == "help") {
    std::fputs(kUsage, a.empty() ? stderr : stdout);
    return a.empty() ? 2 : 0;
  }
  if (a[0] == "info" && a.size() == 1) return info();
  if (a[0] == "shm" && a.size() >= 2) {
    if (a[1] == "list" && a.size() == 2) return shm_list();
    if (a[1] == "inspect" && a.size() == 3) return shm_inspect(argv[3], false);
    if (a[1] == "check" && (a.size() == 3 || (a.size() == 4 && a[3] == "--reclaim"))) {
      return shm_inspect(argv[3], true, a.size() == 4);
    }
    if (a[1] == "remove" && (a.size() == 3 || (a.size() == 4 && a[3] == "--force"))) {
      return shm_remove(argv[3], a.size() == 4);
    }
  }
  std::string joined;
  for (const auto &s : a) joined += (joined.empty() ? "" : " ") + s;
  return usage_error("unknown command or arguments: '" + joined + "'");
}
