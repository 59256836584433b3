// The ROCm thread model: GpuThreadModel with AMD's s_sleep and the 100 MHz constant real-time clock.
#pragma once

#include "unimem/thread/detail/gpu_thread_model.hpp"

namespace unimem {
namespace detail {
struct RocmVendor {
#if defined(UNIMEM_COMPILER_HIP)
  static __device__ void pause() noexcept { __builtin_amdgcn_s_sleep(1); }
  static __device__ void sleep_for_us(std::uint64_t us) noexcept {
    const std::uint64_t end = __builtin_amdgcn_s_memrealtime() + us * 100;  // 100 ticks per microsecond
    while (__builtin_amdgcn_s_memrealtime() < end) __builtin_amdgcn_s_sleep(127);
  }
#endif
};
}  // namespace detail

using RocmThreads = detail::GpuThreadModel<detail::RocmVendor>;

}  // namespace unimem
