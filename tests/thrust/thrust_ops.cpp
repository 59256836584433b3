#include "thrust_ops.hpp"

#include <exception>
#include <string>

#include <thrust/copy.h>
#include <thrust/device_ptr.h>
#include <thrust/device_vector.h>
#include <thrust/functional.h>
#include <thrust/host_vector.h>
#include <thrust/reduce.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>
#include <thrust/transform.h>

#include "unimem/memory/allocator/stl_allocator.hpp"
#include "unimem/memory/allocator/thrust_allocator.hpp"

namespace unimem::test {

namespace {

struct Twice {
  UNIMEM_HOST_DEVICE int operator()(int x) const { return 2 * x; }
};

template <class F>
auto guarded(F &&f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception &e) {
    return Error(Errc::device_error, std::string("thrust: ") + e.what());
  }
}

// Fills a vector n..1, sorts, doubles and sums it, and notes where its elements were.
template <class Vector>
Result<ThrustPipeline> pipeline(ThreadLocalAllocator &alloc, std::size_t n, const typename Vector::allocator_type &a) {
  return guarded([&]() -> Result<ThrustPipeline> {
    ThrustPipeline out;
    {
      Vector v(n, a);
      thrust::sequence(v.begin(), v.end(), static_cast<int>(n), -1);  // n, n-1, ..., 1
      thrust::sort(v.begin(), v.end());
      thrust::transform(v.begin(), v.end(), v.begin(), Twice{});
      out.sum = thrust::reduce(v.begin(), v.end(), 0LL, thrust::plus<long long>());
      out.values.resize(n);
      thrust::copy(v.begin(), v.end(), out.values.begin());
      out.data = thrust::raw_pointer_cast(v.data());
      out.live_during = alloc.stats().bytes_in_use;
    }
    return out;
  });
}

}  // namespace

Result<ThrustPipeline> device_vector_pipeline(ThreadLocalAllocator &alloc, std::size_t n) {
  auto a = ThrustAllocator<int>::create(alloc);
  if (!a) return a.error();
  return pipeline<thrust::device_vector<int, ThrustAllocator<int>>>(alloc, n, *a);
}

Result<ThrustPipeline> host_vector_pipeline(ThreadLocalAllocator &alloc, std::size_t n) {
  return pipeline<thrust::host_vector<int, StlAllocator<int>>>(alloc, n, StlAllocator<int>(alloc));
}

Result<long long> sort_and_sum(int *data, std::size_t n) {
  return guarded([&]() -> Result<long long> {
    const auto first = thrust::device_pointer_cast(data);
    thrust::sort(first, first + n);
    return thrust::reduce(first, first + n, 0LL, thrust::plus<long long>());
  });
}

}  // namespace unimem::test
