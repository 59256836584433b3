// Probe kernels: small real work on the GPU that proves a mapping is usable from kernels, for
// `unimem info` ("works here") and the GPU tests. Written once (probe.cpp), built by nvcc into
// unimem_kernels_cuda and by clang as HIP into unimem_kernels_hip.
#pragma once

#include <cstddef>

#include "unimem/core/error.hpp"
#include "unimem/memory/detail/gpu_runtime.hpp"

namespace unimem::kernels {

/// @brief Has a kernel write a pattern over @p bytes at @p device_ptr and add to a system-scope
/// counter there, then checks both through @p host_ptr, the host's view of the same memory (the
/// bytes are restored afterwards). @p bytes >= 64.
/// @return ok, no_device, or device_error naming what the host did not see.
template <GpuVendor V>
Result<void> probe_mapping(char *device_ptr, char *host_ptr, std::size_t bytes);

}  // namespace unimem::kernels
