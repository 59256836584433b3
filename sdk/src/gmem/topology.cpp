// The hnid numbering (CPU nodes under their Linux numbers, then CUDA, then HIP devices), the GPU
// runtimes registered for gmem, and numa_id().
#include "unimem/gmem/topology.hpp"

#include <numa.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <string>

#include "gpu_memory_ops.hpp"
#include "unimem/gmem/gmem.hpp"

namespace unimem::gmem {

namespace detail {
namespace {
struct Registry {
  std::mutex m;
  std::vector<const GpuMemoryOps *> ops;
};
Registry &registry() {
  static Registry r;  // first use, not static-initialisation order: vendor libraries register early
  return r;
}
}  // namespace

void register_gpu_memory_ops(const GpuMemoryOps *ops) {
  auto &r = registry();
  std::lock_guard lock(r.m);
  r.ops.push_back(ops);
  std::sort(r.ops.begin(), r.ops.end(), [](auto *a, auto *b) { return a->kind() < b->kind(); });
}

std::vector<const GpuMemoryOps *> gpu_memory_ops() {
  auto &r = registry();
  std::lock_guard lock(r.m);
  return r.ops;
}
}  // namespace detail

const char *node_kind_name(NodeKind kind) noexcept {
  switch (kind) {
    case NodeKind::cpu: return "cpu";
    case NodeKind::cuda: return "cuda";
    case NodeKind::hip: return "hip";
  }
  return "unknown";
}

namespace {

std::vector<NumaNode> cpu_nodes() {
  std::vector<NumaNode> nodes;
  if (numa_available() < 0) {  // no NUMA support in the kernel: one node with all the memory
    const auto bytes = static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
    nodes.push_back({0, NodeKind::cpu, 0, bytes, "node0", {}});
    return nodes;
  }
  for (int n = 0; n <= numa_max_node(); ++n) {
    if (!numa_bitmask_isbitset(numa_all_nodes_ptr, n)) continue;
    const long long bytes = numa_node_size64(n, nullptr);
    nodes.push_back({n, NodeKind::cpu, n, bytes > 0 ? static_cast<std::uint64_t>(bytes) : 0,
                     "node" + std::to_string(n), {}});
  }
  return nodes;
}

}  // namespace

std::vector<NumaNode> topology() {
  // Computed once per set of registered runtimes: node and device lists do not change while we run.
  static std::mutex m;
  static std::vector<NumaNode> nodes;
  static std::size_t runtimes = ~std::size_t{0};
  const auto gpus = detail::gpu_memory_ops();
  std::lock_guard lock(m);
  if (runtimes != gpus.size()) {
    nodes = cpu_nodes();
    int next = nodes.back().hnid + 1;
    for (const auto *ops : gpus) {
      for (auto device : ops->devices()) {
        device.hnid = next++;
        nodes.push_back(std::move(device));
      }
    }
    runtimes = gpus.size();
  }
  return nodes;
}

Result<NumaNode> node(int hnid) {
  auto nodes = topology();
  for (auto &n : nodes) {
    if (n.hnid == hnid) return std::move(n);
  }
  std::string known;
  for (const auto &n : nodes) known += (known.empty() ? "" : ", ") + std::to_string(n.hnid);
  return Error(Errc::no_device, "hnid " + std::to_string(hnid) + " names no node (this machine has " + known + ")");
}

namespace detail {

const GpuMemoryOps *runtime_with_device() {
  const auto nodes = topology();  // cached: no runtime call per question
  for (const auto *ops : gpu_memory_ops()) {
    if (std::any_of(nodes.begin(), nodes.end(), [&](const NumaNode &n) { return n.kind == ops->kind(); })) return ops;
  }
  return nullptr;
}

bool several_cpu_nodes() {
  static const bool several = cpu_nodes().size() > 1;  // CPU nodes do not change while we run
  return several;
}

}  // namespace detail

Result<int> numa_id() {
  if (const auto *ops = detail::runtime_with_device()) {
    auto device = ops->current_device();
    if (!device) return device.error();
    for (const auto &n : topology()) {
      if (n.kind == ops->kind() && n.index == *device) return n.hnid;
    }
  }
  if (numa_available() < 0) return 0;
  const int cpu = sched_getcpu();
  if (cpu < 0) return Error::from_errno(Errc::io_error, "sched_getcpu", errno);
  const int node = numa_node_of_cpu(cpu);
  if (node < 0) return Error::from_errno(Errc::io_error, "numa_node_of_cpu(" + std::to_string(cpu) + ")", errno);
  return node;
}

}  // namespace unimem::gmem
