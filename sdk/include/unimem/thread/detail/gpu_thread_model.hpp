// The GPU thread model shared by CUDA and ROCm: both expose threadIdx/blockIdx/blockDim/gridDim and
// warpSize, so the ids and the TLS slot table are one implementation. Only sleeping differs, and that
// is the Vendor's job (cuda_threads.hpp, rocm_threads.hpp).
#pragma once

#include <cstdint>

#include "unimem/core/config.hpp"
#include "unimem/thread/thread_id.hpp"

namespace unimem::detail {

template <class Vendor>
class GpuThreadModel {
 public:
#if defined(UNIMEM_COMPILER_CUDA) || defined(UNIMEM_COMPILER_HIP)
  static __device__ void yield() noexcept { Vendor::pause(); }
  static __device__ void sleep_for_us(std::uint64_t us) noexcept { Vendor::sleep_for_us(us); }

  /// Linear index of the calling thread within its block.
  static __device__ std::uint32_t block_thread_index() noexcept {
    return (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
  }
  static __device__ std::uint64_t block_index() noexcept {
    return (std::uint64_t{blockIdx.z} * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
  }
  /// The global linear thread index: unique among all threads of the launch.
  static __device__ ThreadId thread_id() noexcept {
    const std::uint64_t per_block = std::uint64_t{blockDim.x} * blockDim.y * blockDim.z;
    return ThreadId{block_index() * per_block + block_thread_index()};
  }
  /// Warps never straddle blocks, so a warp id is (block, warp within block).
  static __device__ std::uint64_t warp_id() noexcept {
    const std::uint32_t per_block = (blockDim.x * blockDim.y * blockDim.z + warpSize - 1) / warpSize;
    return block_index() * per_block + block_thread_index() / warpSize;
  }
  static __device__ std::uint32_t lane_id() noexcept { return block_thread_index() % warpSize; }

  template <class T>
  static __device__ bool create_tls(ThreadLocalKey &key, T *data) noexcept {
    return set_tls(key, data);
  }
  template <class T>
  static __device__ T *get_tls(const ThreadLocalKey &key) noexcept {
    void **slot = slot_of(key);
    return slot ? static_cast<T *>(*slot) : nullptr;
  }
  /// @return false when the key has no slot for this thread (table missing or too small).
  template <class T>
  static __device__ bool set_tls(const ThreadLocalKey &key, T *data) noexcept {
    void **slot = slot_of(key);
    if (!slot) return false;
    *slot = static_cast<void *>(data);
    return true;
  }

 private:
  static __device__ void **slot_of(const ThreadLocalKey &key) noexcept {
    const std::uint64_t tid = thread_id().value;
    return (key.device_slots && tid < key.device_slot_count) ? key.device_slots + tid : nullptr;
  }
#endif
};

}  // namespace unimem::detail
