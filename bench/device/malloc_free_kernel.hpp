// The peer of kernels::alloc_free in the device benchmark: the same work with the executor's own
// malloc/free (CUDA's in-kernel heap on a GPU, glibc's in the host emulation).
#pragma once

#include "device_kernels.hpp"

namespace unimem::bench {

/// Every thread allocates, stamps, checks and frees `rounds` blocks of 16..256 bytes with malloc.
template <kernels::KernelBuild B>
Result<void> malloc_free(const Stream &stream, const LaunchConfig &config, int rounds, kernels::Counter *failures);

/// Sizes the GPU's in-kernel malloc heap (a no-op in the host build).
template <kernels::KernelBuild B>
Result<void> reserve_device_heap(std::size_t bytes);

}  // namespace unimem::bench
