// GpuRuntime<hip>: the shared runtime wrapper spelled with HIP's prefix.
#include <hip/hip_runtime_api.h>

#define UNIMEM_RT(x) hip##x
#define UNIMEM_VENDOR hip
#define UNIMEM_RT_ATTR_WARP_SIZE hipDeviceAttributeWarpSize
#include "gpu_runtime.inc"
#include "gpu_stream.inc"
