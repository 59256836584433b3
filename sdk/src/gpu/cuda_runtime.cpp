// GpuRuntime<cuda>: the shared runtime wrapper spelled with CUDA's prefix.
#include <cuda_runtime_api.h>

#define UNIMEM_RT(x) cuda##x
#define UNIMEM_VENDOR cuda
#define UNIMEM_RT_ATTR_WARP_SIZE cudaDevAttrWarpSize
#include "gpu_runtime.inc"
#include "gpu_stream.inc"
