// GpuShmBackend<V>: a POSIX shared memory region that is also registered with the GPU runtime
// (cudaHostRegister / hipHostRegister with Mapped | Portable), so host threads of every process and
// kernels of every device use the same bytes, in place. Kernels use device_base(); the host base().
// Attaching registers the mapping in the attaching process; detaching unregisters it; destroy()
// also removes the name. Without a device, create and attach fail with no_device and leave nothing.
// Available when linking unimem::cuda (CudaShmBackend) or unimem::hip (RocmShmBackend).
#pragma once

#include <memory>
#include <string_view>

#include "unimem/memory/backend/posix_shm_backend.hpp"
#include "unimem/memory/detail/gpu_runtime.hpp"

namespace unimem {

template <GpuVendor V>
class GpuShmBackend final : public PosixShmBackend {
 public:
  static Result<std::unique_ptr<GpuShmBackend>> create(std::string_view name, std::size_t data_bytes,
                                                       ShmOptions options = {});
  static Result<std::unique_ptr<GpuShmBackend>> attach(std::string_view name);
  Result<void> destroy() override;
  ~GpuShmBackend() override;

 private:
  GpuShmBackend() = default;
  Result<void> register_mapping();
  void unregister_mapping() noexcept;
};

using CudaShmBackend = GpuShmBackend<GpuVendor::cuda>;
using RocmShmBackend = GpuShmBackend<GpuVendor::hip>;

}  // namespace unimem
