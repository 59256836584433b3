// GpuManagedBackend<V>: a region in managed memory (cudaMallocManaged / hipMallocManaged), reachable
// from host and device at one address; pages migrate on demand (see gmem for prefetch). Managed
// memory cannot be shared with another process, so there is no attach.
#pragma once

#include <memory>

#include "unimem/memory/backend/memory_backend.hpp"
#include "unimem/memory/detail/gpu_runtime.hpp"

namespace unimem {

template <GpuVendor V>
class GpuManagedBackend final : public MemoryBackend {
 public:
  static Result<std::unique_ptr<GpuManagedBackend>> create(std::size_t data_bytes);
  Result<void> destroy() override;
  ~GpuManagedBackend() override;

 private:
  GpuManagedBackend() = default;
};

using CudaManagedBackend = GpuManagedBackend<GpuVendor::cuda>;
using HipManagedBackend = GpuManagedBackend<GpuVendor::hip>;

}  // namespace unimem
