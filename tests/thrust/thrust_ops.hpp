// Thrust work over unimem memory, compiled with Thrust's device system of the build: CPP in the CPU
// build (host compiler), CUDA in the CUDA test program (nvcc). The tests that check the results
// are plain C++ (thrust_test.cpp).
#pragma once

#include <cstddef>
#include <vector>

#include "unimem/core/error.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"

namespace unimem::test {

struct ThrustPipeline {
  std::vector<int> values;     ///< the vector after sort and transform, copied to the host
  long long sum = 0;           ///< thrust::reduce of it
  const void *data = nullptr;  ///< where the device_vector's elements were (device address)
  std::size_t live_during = 0; ///< the allocator's bytes in use while the vector existed
};

/// A thrust::device_vector<int, ThrustAllocator<int>> of @p n elements in @p alloc's region:
/// filled n..1, sorted, doubled by transform, then summed.
Result<ThrustPipeline> device_vector_pipeline(ThreadLocalAllocator &alloc, std::size_t n);
/// A thrust::host_vector<int, StlAllocator<int>> of @p n elements in @p alloc's region, filled
/// n..1, sorted and doubled like the device pipeline.
Result<ThrustPipeline> host_vector_pipeline(ThreadLocalAllocator &alloc, std::size_t n);
/// Sorts the @p n ints at @p data (the device's address of a unimem container's elements) in place
/// and returns their sum.
Result<long long> sort_and_sum(int *data, std::size_t n);

}  // namespace unimem::test
