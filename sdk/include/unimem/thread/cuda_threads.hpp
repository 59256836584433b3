// The CUDA thread model: GpuThreadModel with CUDA's sleep (sm_70+ __nanosleep).
#pragma once

#include "unimem/thread/detail/gpu_thread_model.hpp"

namespace unimem {
namespace detail {
struct CudaVendor {
#if defined(UNIMEM_COMPILER_CUDA)
  static __device__ void pause() noexcept { __nanosleep(32); }
  // __nanosleep sleeps at most about 1 ms per call, so long sleeps are a loop on the global timer.
  static __device__ void sleep_for_us(std::uint64_t us) noexcept {
    const std::uint64_t end = globaltimer_ns() + us * 1000;
    while (globaltimer_ns() < end) __nanosleep(us >= 1000 ? 1000000u : static_cast<unsigned>(us * 1000));
  }
  static __device__ std::uint64_t globaltimer_ns() noexcept {
    std::uint64_t t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
  }
#endif
};
}  // namespace detail

using CudaThreads = detail::GpuThreadModel<detail::CudaVendor>;

}  // namespace unimem
