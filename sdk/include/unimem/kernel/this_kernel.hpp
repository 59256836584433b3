// this_kernel: what a kernel body asks about its launch, written once for every backend. Each
// function picks its implementation by compilation pass (threadIdx & co. in a device pass, the host
// emulation's thread state otherwise), like this_thread. Host code outside any kernel is a grid of
// one thread: indices 0, extents 1, barriers return at once.
//
// Warp collectives (sync_warp, ballot, any, all, shfl) must be reached by every live lane of the
// warp, as CUDA's *_sync functions with a full mask; a block whose size is a multiple of warp_size()
// has only full warps. Warp width: 32 on NVIDIA and in the host emulation, 64 on most AMD GPUs.
#pragma once

#include <cstdint>
#include <type_traits>

#include "unimem/core/config.hpp"
#include "unimem/kernel/detail/host_grid.hpp"
#include "unimem/kernel/dim3.hpp"

namespace unimem::this_kernel {

namespace detail {
#if defined(UNIMEM_DEVICE_PASS)
// The runtimes align dynamic shared memory to at least 16 bytes.
__device__ inline unsigned char *dynamic_shared() {
  extern __shared__ unsigned char unimem_dynamic_shared[];
  return unimem_dynamic_shared;
}
#endif
inline const unimem::detail::HostThread *host() noexcept { return unimem::detail::current_host_thread; }
// A field of the emulated thread's place, or @p outside for host code outside any kernel.
inline Dim3 host_place(Dim3 unimem::detail::HostThread::*field, Dim3 outside) noexcept {
  const auto *t = host();
  return t ? t->*field : outside;
}
}  // namespace detail

#if defined(UNIMEM_DEVICE_PASS)
#define UNIMEM_KERNEL_PLACE(builtin, field, outside) return {builtin.x, builtin.y, builtin.z}
#else
#define UNIMEM_KERNEL_PLACE(builtin, field, outside) return detail::host_place(&unimem::detail::HostThread::field, outside)
#endif

UNIMEM_HOST_DEVICE inline Dim3 thread_index() noexcept { UNIMEM_KERNEL_PLACE(threadIdx, thread_index, Dim3(0, 0, 0)); }
UNIMEM_HOST_DEVICE inline Dim3 block_index() noexcept { UNIMEM_KERNEL_PLACE(blockIdx, block_index, Dim3(0, 0, 0)); }
UNIMEM_HOST_DEVICE inline Dim3 block_dim() noexcept { UNIMEM_KERNEL_PLACE(blockDim, block_dim, Dim3()); }
UNIMEM_HOST_DEVICE inline Dim3 grid_dim() noexcept { UNIMEM_KERNEL_PLACE(gridDim, grid_dim, Dim3()); }
#undef UNIMEM_KERNEL_PLACE

/// @brief The calling thread's index within its block, linearised (x fastest).
UNIMEM_HOST_DEVICE inline std::uint32_t thread_rank() noexcept {
  return static_cast<std::uint32_t>(thread_index().linear_in(block_dim()));
}
/// @brief The calling thread's index within the grid: unique among the launch's threads.
UNIMEM_HOST_DEVICE inline std::uint64_t global_rank() noexcept {
  return block_index().linear_in(grid_dim()) * block_dim().count() + thread_rank();
}
/// @brief Threads in the launch.
UNIMEM_HOST_DEVICE inline std::uint64_t global_size() noexcept { return grid_dim().count() * block_dim().count(); }

/// @brief Block barrier (__syncthreads): returns once every live thread of the block has reached it;
/// memory written before it is visible to the block's threads after it.
UNIMEM_HOST_DEVICE inline void sync_threads() noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  __syncthreads();
#else
  if (const auto *t = detail::host()) unimem::detail::host_sync_threads(*t);
#endif
}

/// @brief The block's dynamic shared memory (LaunchConfig::shared_bytes, 16-byte aligned).
template <class T>
UNIMEM_HOST_DEVICE inline T *shared_memory() noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  return reinterpret_cast<T *>(detail::dynamic_shared());
#else
  const auto *t = detail::host();
  return t ? static_cast<T *>(unimem::detail::host_shared_memory(*t)) : nullptr;
#endif
}

UNIMEM_HOST_DEVICE inline std::uint32_t warp_size() noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  return warpSize;
#else
  return unimem::detail::kHostWarpSize;
#endif
}

UNIMEM_HOST_DEVICE inline std::uint32_t lane_index() noexcept { return thread_rank() % warp_size(); }

namespace detail {
#if defined(UNIMEM_CUDA_DEVICE_PASS)
// The lanes of the calling warp that exist: all 32 except in a block's last, partial warp.
__device__ inline unsigned warp_mask() {
  const std::uint32_t n = static_cast<std::uint32_t>(block_dim().count());
  const std::uint32_t rest = n - thread_rank() / 32 * 32;
  return rest >= 32 ? 0xffffffffu : (1u << rest) - 1;
}
#endif
}  // namespace detail

UNIMEM_HOST_DEVICE inline void sync_warp() noexcept {
#if defined(UNIMEM_CUDA_DEVICE_PASS)
  __syncwarp(detail::warp_mask());
#elif defined(UNIMEM_HIP_DEVICE_PASS)
  __builtin_amdgcn_fence(__ATOMIC_RELEASE, "wavefront");
  __builtin_amdgcn_wave_barrier();
  __builtin_amdgcn_fence(__ATOMIC_ACQUIRE, "wavefront");
#else
  if (const auto *t = detail::host()) unimem::detail::host_warp_collective(*t, unimem::detail::WarpOp::sync, 0, 0);
#endif
}

/// @brief Bit i set when lane i's @p predicate is true.
UNIMEM_HOST_DEVICE inline std::uint64_t ballot(bool predicate) noexcept {
#if defined(UNIMEM_CUDA_DEVICE_PASS)
  return __ballot_sync(detail::warp_mask(), predicate);
#elif defined(UNIMEM_HIP_DEVICE_PASS)
  return __ballot(predicate);
#else
  const auto *t = detail::host();
  if (!t) return predicate ? 1 : 0;
  return unimem::detail::host_warp_collective(*t, unimem::detail::WarpOp::ballot, predicate, 0);
#endif
}

UNIMEM_HOST_DEVICE inline bool any(bool predicate) noexcept { return ballot(predicate) != 0; }
UNIMEM_HOST_DEVICE inline bool all(bool predicate) noexcept { return ballot(!predicate) == 0; }

/// @brief Lane @p src_lane's @p value (T trivially copyable, at most 8 bytes).
template <class T>
UNIMEM_HOST_DEVICE inline T shfl(T value, std::uint32_t src_lane) noexcept {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8, "shfl moves trivially copyable values of <= 8 bytes");
  unsigned long long bits = 0;
  __builtin_memcpy(&bits, &value, sizeof(T));  // std::memcpy is host-only under HIP
#if defined(UNIMEM_CUDA_DEVICE_PASS)
  bits = __shfl_sync(detail::warp_mask(), bits, static_cast<int>(src_lane));
#elif defined(UNIMEM_HIP_DEVICE_PASS)
  bits = __shfl(bits, static_cast<int>(src_lane));
#else
  if (const auto *t = detail::host()) {
    bits = unimem::detail::host_warp_collective(*t, unimem::detail::WarpOp::shfl, bits, src_lane);
  }
#endif
  __builtin_memcpy(&value, &bits, sizeof(T));
  return value;
}

}  // namespace unimem::this_kernel
