// Built like kernels/*.cpp: by the host compiler (UNIMEM_KERNEL_BUILD=host) or by nvcc (cuda).
#include "malloc_free_kernel.hpp"

#include <cstdlib>

#include "kernel_build.hpp"

namespace unimem::bench {

namespace {

struct MallocFree {
  int rounds;
  kernels::Counter *failures;

  UNIMEM_HOST_DEVICE void operator()() const {
    const auto tid = this_kernel::global_rank();
    for (int r = 0; r < rounds; ++r) {
      const std::size_t bytes = 16 + ((tid + r) % 16) * 16;
      auto *words = static_cast<unsigned long long *>(malloc(bytes));
      if (!words) {
        failures->fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      const unsigned long long stamp = tid * 1000 + r;
      for (std::size_t i = 0; i < bytes / 8; ++i) words[i] = stamp;
      for (std::size_t i = 0; i < bytes / 8; ++i) {
        if (words[i] != stamp) failures->fetch_add(1, std::memory_order_relaxed);
      }
      free(words);
    }
  }
};

}  // namespace

template <>
Result<void> malloc_free<kernels::kBuild>(const Stream &stream, const LaunchConfig &config, int rounds,
                                          kernels::Counter *failures) {
  return launch(stream, config, MallocFree{rounds, failures});
}

template <>
Result<void> reserve_device_heap<kernels::kBuild>(std::size_t bytes) {
#if defined(UNIMEM_COMPILER_CUDA)
  if (cudaDeviceSetLimit(cudaLimitMallocHeapSize, bytes) != cudaSuccess) {
    return Error(Errc::device_error, "cudaDeviceSetLimit(cudaLimitMallocHeapSize) failed");
  }
#else
  (void)bytes;
#endif
  return success();
}

}  // namespace unimem::bench
