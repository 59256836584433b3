// Probe kernels: small real work that proves a mapping is usable from kernels, for `unimem info`
// ("works here") and the GPU tests. Written once (probe.cpp) like every kernel here: it also runs
// on the host emulation, where both addresses are the host's.
#pragma once

#include <cstddef>

#include "device_kernels.hpp"
#include "unimem/core/error.hpp"
#include "unimem/memory/detail/gpu_runtime.hpp"

namespace unimem::kernels {

/// @brief On @p stream, has a kernel write a pattern over @p bytes at @p exec_ptr (the executor's
/// address) and add to a system-scope counter there, then checks both through @p host_ptr, the
/// host's view of the same memory (the bytes are restored afterwards). @p bytes >= 64.
/// @return ok, or device_error naming what the host did not see (or the launch's error).
template <KernelBuild B>
Result<void> probe_stream(const Stream &stream, char *exec_ptr, char *host_ptr, std::size_t bytes);

/// @brief probe_stream on a new stream of vendor V's GPU: ok, no_device, or device_error.
template <GpuVendor V>
Result<void> probe_mapping(char *device_ptr, char *host_ptr, std::size_t bytes);

}  // namespace unimem::kernels
