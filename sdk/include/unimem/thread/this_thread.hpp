// this_thread: the calling thread's model, chosen inside each function by compilation pass
// (Pthreads on the host, CudaThreads / RocmThreads in a kernel), so one call site works everywhere.
#pragma once

#include <cstdint>

#include "unimem/core/config.hpp"
#include "unimem/thread/cuda_threads.hpp"
#include "unimem/thread/pthreads.hpp"
#include "unimem/thread/rocm_threads.hpp"

namespace unimem::this_thread {

// The device model of this translation unit's GPU compiler (both passes see the same type).
#if defined(UNIMEM_COMPILER_CUDA)
using DeviceModel = CudaThreads;
#elif defined(UNIMEM_COMPILER_HIP)
using DeviceModel = RocmThreads;
#endif

UNIMEM_HOST_DEVICE inline void yield() noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  DeviceModel::yield();
#else
  Pthreads::yield();
#endif
}

UNIMEM_HOST_DEVICE inline void sleep_for_us(std::uint64_t us) noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  DeviceModel::sleep_for_us(us);
#else
  Pthreads::sleep_for_us(us);
#endif
}

UNIMEM_HOST_DEVICE inline ThreadId id() noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  return DeviceModel::thread_id();
#else
  return Pthreads::thread_id();
#endif
}

/// GPU: the warp (wavefront) of the calling thread. Host: every thread is a warp of one, so this is
/// the thread id and lane_id() is 0.
UNIMEM_HOST_DEVICE inline std::uint64_t warp_id() noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  return DeviceModel::warp_id();
#else
  return Pthreads::thread_id().value;
#endif
}

UNIMEM_HOST_DEVICE inline std::uint32_t lane_id() noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  return DeviceModel::lane_id();
#else
  return 0;
#endif
}

template <class T>
UNIMEM_HOST_DEVICE inline T *get_tls(const ThreadLocalKey &key) noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  return DeviceModel::get_tls<T>(key);
#else
  return Pthreads::get_tls<T>(key);
#endif
}

template <class T>
UNIMEM_HOST_DEVICE inline bool set_tls(const ThreadLocalKey &key, T *data) noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  return DeviceModel::set_tls(key, data);
#else
  return Pthreads::set_tls(key, data);
#endif
}

}  // namespace unimem::this_thread
