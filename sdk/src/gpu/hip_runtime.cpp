// GpuRuntime<hip>: the shared runtime wrapper spelled with HIP's prefix.
#include <hip/hip_runtime_api.h>

#include "unimem/core/error.hpp"

#define UNIMEM_RT(x) hip##x
#define UNIMEM_VENDOR hip
#define UNIMEM_RT_HOST_MALLOC hipHostMalloc
#define UNIMEM_RT_HOST_FREE hipHostFree
#define UNIMEM_RT_ATTR_WARP_SIZE hipDeviceAttributeWarpSize
#define UNIMEM_RT_ATTR_HOST_NATIVE_ATOMICS hipDeviceAttributeHostNativeAtomicSupported
// Debian's HIP 5.2 declares hipLaunchHostFunc but its library does not export it.
#define UNIMEM_RT_HOST_TASK_BY_CALLBACK 1
#define UNIMEM_GMEM_ANCHOR unimem_hip_gmem_anchor
#include "gpu_runtime.inc"
#include "gpu_stream.inc"

namespace unimem::detail::vendor {
namespace {

using DeviceProp = hipDeviceProp_t;
using PointerAttributes = hipPointerAttribute_t;
constexpr auto kPageableAccess = hipDeviceAttributePageableMemoryAccess;

bool is_managed(const PointerAttributes &a) { return a.isManaged != 0; }
bool is_host_or_device(const PointerAttributes &a) {
  return a.memoryType == hipMemoryTypeHost || a.memoryType == hipMemoryTypeDevice;
}

// HIP prefetches to the host as a whole (hipCpuDeviceId): the NUMA node is not selectable.
hipError_t prefetch(const void *p, std::size_t n, bool device, int index, hipStream_t stream) {
  return hipMemPrefetchAsync(p, n, device ? index : hipCpuDeviceId, stream);
}

// HIP has no discard call: nothing is discarded and the contents stay valid (documented in gmem.hpp).
Result<void> discard(void *, std::size_t, hipStream_t) { return success(); }

}  // namespace
}  // namespace unimem::detail::vendor

#include "gpu_gmem.inc"
