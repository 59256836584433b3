// GpuRuntime<cuda>: the shared runtime wrapper spelled with CUDA's prefix.
#include <cuda_runtime_api.h>

#include "unimem/core/error.hpp"

#define UNIMEM_RT(x) cuda##x
#define UNIMEM_VENDOR cuda
#define UNIMEM_RT_HOST_MALLOC cudaMallocHost
#define UNIMEM_RT_HOST_FREE cudaFreeHost
#define UNIMEM_RT_ATTR_WARP_SIZE cudaDevAttrWarpSize
#define UNIMEM_RT_ATTR_HOST_NATIVE_ATOMICS cudaDevAttrHostNativeAtomicSupported
#define UNIMEM_GMEM_ANCHOR unimem_cuda_gmem_anchor
#include "gpu_runtime.inc"
#include "gpu_stream.inc"

namespace unimem::detail::vendor {
namespace {

using DeviceProp = cudaDeviceProp;
using PointerAttributes = cudaPointerAttributes;
constexpr auto kPageableAccess = cudaDevAttrPageableMemoryAccess;

bool is_managed(const PointerAttributes &a) { return a.type == cudaMemoryTypeManaged; }
bool is_host_or_device(const PointerAttributes &a) { return a.type == cudaMemoryTypeHost || a.type == cudaMemoryTypeDevice; }

cudaError_t prefetch(const void *p, std::size_t n, bool device, int index, cudaStream_t stream) {
  cudaMemLocation location{};
  location.type = device ? cudaMemLocationTypeDevice : cudaMemLocationTypeHostNuma;
  location.id = index;
  return cudaMemPrefetchAsync(p, n, location, 0, stream);
}

// CUDA 13's discard needs concurrent managed access on every device and a stream other than the
// legacy default one; without that support, nothing is discarded (documented in gmem.hpp).
Result<void> discard(void *p, std::size_t n, cudaStream_t stream) {
  int devices = 0;
  if (auto ok = check(cudaGetDeviceCount(&devices), "GetDeviceCount"); !ok) return ok;
  for (int d = 0; d < devices; ++d) {
    int concurrent = 0;
    if (cudaDeviceGetAttribute(&concurrent, cudaDevAttrConcurrentManagedAccess, d) != cudaSuccess || !concurrent) {
      (void)cudaGetLastError();
      return success();
    }
  }
  const cudaStream_t s = stream ? stream : cudaStreamPerThread;
  std::size_t size = n;
  if (auto ok = check(cudaMemDiscardBatchAsync(&p, &size, 1, 0, s), "MemDiscardBatchAsync"); !ok) return ok;
  return stream ? success() : check(cudaStreamSynchronize(s), "StreamSynchronize");
}

}  // namespace
}  // namespace unimem::detail::vendor

#include "gpu_gmem.inc"
