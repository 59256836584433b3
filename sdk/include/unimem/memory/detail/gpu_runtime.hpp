// GpuRuntime<Vendor>: the few CUDA / HIP runtime calls unimem makes, behind Result-returning
// functions. One declaration for both vendors; the definitions are one source file compiled twice
// (sdk/src/gpu/gpu_runtime.inc), into unimem::cuda and unimem::hip. Every "no GPU / no driver"
// answer of a runtime maps to Errc::no_device with the runtime's own error name in the message.
#pragma once

#include <array>
#include <cstddef>

#include "unimem/core/error.hpp"

namespace unimem {

enum class GpuVendor { cuda, hip };

/// An inter-process handle for device memory (cudaIpcMemHandle_t / hipIpcMemHandle_t are 64 bytes).
struct GpuIpcHandle {
  std::array<char, 64> bytes{};
};

namespace detail {

template <GpuVendor V>
struct GpuRuntime {
  static constexpr const char *name = V == GpuVendor::cuda ? "CUDA" : "HIP";

  /// @return the number of devices (> 0), or no_device.
  static Result<int> device_count();
  static Result<void> host_register(void *p, std::size_t bytes);  ///< Mapped | Portable
  static Result<void> host_unregister(void *p);
  static Result<void *> host_device_pointer(void *p);
  static Result<void *> malloc_device(std::size_t bytes);
  static Result<void *> malloc_managed(std::size_t bytes);
  static Result<void> free(void *p);  ///< device or managed memory
  static Result<void> memcpy(void *dst, const void *src, std::size_t bytes);  ///< direction from UVA
  static Result<GpuIpcHandle> ipc_handle(void *device_ptr);
  static Result<void *> ipc_open(const GpuIpcHandle &handle);
  static Result<void> ipc_close(void *device_ptr);
  static Result<void> synchronize();
  /// @brief Threads per warp (32) or wavefront (64 on most AMD GPUs) of the current device.
  static Result<int> warp_size();
  /// @brief Whether the current device's link to the host performs atomics natively
  /// (cudaDevAttrHostNativeAtomicSupported). Without it, a system-scope atomic on host memory is
  /// atomic among the device's threads but not with host threads running at the same time
  /// (NVLink-C2C and some PCIe platforms have it; most x86 PCIe systems do not). Managed memory on
  /// a device with concurrent managed access is atomic system-wide either way.
  static Result<bool> host_native_atomics();
  /// @brief The error of the last kernel launch, if any (cudaGetLastError).
  static Result<void> last_launch_error();
};

}  // namespace detail

using CudaRuntime = detail::GpuRuntime<GpuVendor::cuda>;
using HipRuntime = detail::GpuRuntime<GpuVendor::hip>;

}  // namespace unimem
