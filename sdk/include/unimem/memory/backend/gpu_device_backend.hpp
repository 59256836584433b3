// GpuDeviceBackend<V>: a region in device memory (cudaMalloc / hipMalloc). The header lives in
// device memory too and is copied to the host for validation. Another process opens the same
// memory with the IPC handle (cudaIpcGetMemHandle); closing it there never frees it.
// base() is nullptr (the host cannot dereference device memory); device_base() is the pointer.
#pragma once

#include <memory>

#include "unimem/memory/backend/memory_backend.hpp"
#include "unimem/memory/detail/gpu_runtime.hpp"

namespace unimem {

template <GpuVendor V>
class GpuDeviceBackend final : public MemoryBackend {
 public:
  static Result<std::unique_ptr<GpuDeviceBackend>> create(std::size_t data_bytes);
  /// @brief Opens a region created in another process from its IPC handle.
  static Result<std::unique_ptr<GpuDeviceBackend>> open(const GpuIpcHandle &handle);
  Result<GpuIpcHandle> ipc_handle() const;
  Result<void> destroy() override;
  ~GpuDeviceBackend() override;

 private:
  GpuDeviceBackend() = default;
};

using CudaDeviceBackend = GpuDeviceBackend<GpuVendor::cuda>;
using HipDeviceBackend = GpuDeviceBackend<GpuVendor::hip>;

}  // namespace unimem
