// What gmem needs from a GPU runtime. unimem::cuda and unimem::hip each register one instance when
// they are linked (sdk/src/gpu/gpu_gmem.inc); libunimem itself never calls a GPU runtime.
#pragma once

#include <string>
#include <vector>

#include "unimem/core/error.hpp"
#include "unimem/gmem/page_range.hpp"
#include "unimem/gmem/topology.hpp"
#include "unimem/stream/stream.hpp"

namespace unimem::gmem::detail {

/// Where a prefetch goes: a device ordinal, or a CPU node.
struct Target {
  bool device = false;
  int index = 0;
};

class GpuMemoryOps {
 public:
  virtual ~GpuMemoryOps() = default;
  virtual NodeKind kind() const noexcept = 0;
  virtual StreamKind stream_kind() const noexcept = 0;
  /// Devices with their names and memory (empty without a device).
  virtual std::vector<NumaNode> devices() const = 0;
  virtual Result<int> current_device() const = 0;
  /// Whether this runtime migrates [range): managed memory, or pageable memory on a device with
  /// pageable memory access (HMM) when @p for_prefetch.
  virtual bool migrates(const PageRange &range, bool for_prefetch) const = 0;
  /// Whether the range's last prefetch went to @p target (the runtime's own record).
  virtual bool resident_on(const PageRange &range, Target target) const = 0;
  /// Enqueues on @p native (a stream of this runtime; nullptr: run it now and wait).
  virtual Result<void> prefetch(const PageRange &range, Target target, void *native) const = 0;
  virtual Result<void> discard(const PageRange &range, void *native) const = 0;
  /// A Stream that orders work on the native stream @p native without owning it (for the C API).
  virtual Stream wrap_stream(void *native) const = 0;
};

/// Called once per vendor library at load time.
void register_gpu_memory_ops(const GpuMemoryOps *ops);
/// The registered runtimes, CUDA's first.
std::vector<const GpuMemoryOps *> gpu_memory_ops();
/// The first registered runtime that has a device, or nullptr.
const GpuMemoryOps *runtime_with_device();
/// Whether the machine has more than one CPU NUMA node.
bool several_cpu_nodes();

}  // namespace unimem::gmem::detail
