// GpuRuntime<hip>: the shared runtime wrapper spelled with HIP's prefix.
#include <hip/hip_runtime_api.h>

#define UNIMEM_RT(x) hip##x
#define UNIMEM_VENDOR hip
#define UNIMEM_RT_ATTR_WARP_SIZE hipDeviceAttributeWarpSize
// Debian's HIP 5.2 declares hipLaunchHostFunc but its library does not export it.
#define UNIMEM_RT_HOST_TASK_BY_CALLBACK 1
#include "gpu_runtime.inc"
#include "gpu_stream.inc"
