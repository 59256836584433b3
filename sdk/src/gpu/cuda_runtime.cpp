// GpuRuntime<cuda>: the shared runtime wrapper spelled with CUDA's prefix.
#include <cuda_runtime_api.h>

#define UNIMEM_RT(x) cuda##x
#define UNIMEM_VENDOR cuda
#include "gpu_runtime.inc"
