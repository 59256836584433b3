// GpuRuntime<hip>: the shared runtime wrapper spelled with HIP's prefix.
#include <hip/hip_runtime_api.h>

#define UNIMEM_RT(x) hip##x
#define UNIMEM_VENDOR hip
#include "gpu_runtime.inc"
