// Thrust over unimem memory: a device_vector whose elements live in a region (through
// ThrustAllocator) and thrust algorithms run in place over a unimem::vector's elements. The CPU
// build runs Thrust's CPP system; the CUDA test program runs the same operations on the GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <random>

#include "support/test_support.hpp"
#include "thrust_ops.hpp"
#include "unimem/containers/vector.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"
#if defined(UNIMEM_TEST_VENDOR)
#include "unimem/memory/backend/gpu_shm_backend.hpp"
#endif

using namespace unimem;

namespace {

class ThrustOverUnimem : public ::testing::Test {
 protected:
  void SetUp() override {
#if defined(UNIMEM_TEST_VENDOR)
    auto b = GpuShmBackend<GpuVendor::UNIMEM_TEST_VENDOR>::create(name, 64u << 20);
    if (!b && b.code() == Errc::no_device) GTEST_SKIP() << "no GPU here: " << b.error().what();
#else
    auto b = PosixShmBackend::create(name, 64u << 20);
#endif
    ASSERT_TRUE(b) << b.error().what();
    backend = std::move(*b);
    auto a = ThreadLocalAllocator::create(*backend, AllocatorId{1});
    ASSERT_TRUE(a) << a.error().what();
    alloc = std::move(*a);
  }
  /// A host address in the region as Thrust's device sees it (the host itself on the CPP system).
  template <class T>
  T *device_address(T *host) const {
    return backend->device_base() ? backend->device_address(host) : host;
  }

  std::string name = test::unique_name("thrust");
  test::ShmNameGuard guard{name};
  std::unique_ptr<MemoryBackend> backend;
  std::unique_ptr<ThreadLocalAllocator> alloc;
};

}  // namespace

TEST_F(ThrustOverUnimem, DeviceVectorLivesInTheRegionAndRunsSortTransformReduce) {
  constexpr std::size_t n = 100000;
  const auto before = alloc->stats().bytes_in_use;
  auto r = test::device_vector_pipeline(*alloc, n);
  ASSERT_TRUE(r) << r.error().what();
  ASSERT_EQ(r->values.size(), n);
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(r->values[i], 2 * static_cast<int>(i + 1)) << i;
  EXPECT_EQ(r->sum, static_cast<long long>(n) * (n + 1));
  // The elements were in the region, and went back to the allocator with the vector.
  const char *dbase = device_address(backend->base());
  EXPECT_GE(static_cast<const char *>(r->data), dbase);
  EXPECT_LT(static_cast<const char *>(r->data), dbase + backend->region_size());
  EXPECT_GE(r->live_during, before + n * sizeof(int));
  EXPECT_EQ(alloc->stats().bytes_in_use, before);
}

TEST_F(ThrustOverUnimem, HostVectorLivesInTheRegionThroughStlAllocator) {
  constexpr std::size_t n = 50000;
  auto r = test::host_vector_pipeline(*alloc, n);
  ASSERT_TRUE(r) << r.error().what();
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(r->values[i], 2 * static_cast<int>(i + 1)) << i;
  EXPECT_EQ(r->sum, static_cast<long long>(n) * (n + 1));
  EXPECT_GE(static_cast<const char *>(r->data), backend->base());
  EXPECT_LT(static_cast<const char *>(r->data), backend->base() + backend->region_size());
  EXPECT_GE(r->live_during, n * sizeof(int));
  EXPECT_EQ(alloc->stats().bytes_in_use, 0u);
}

TEST_F(ThrustOverUnimem, AlgorithmsRunInPlaceOverAUnimemVector) {
  auto v = vector<int>::create(*alloc, 0).value();
  std::mt19937 rng(7);
  long long expected = 0;
  for (int i = 0; i < 50000; ++i) {
    const int x = static_cast<int>(rng() % 100000) - 50000;
    v.push_back(x);
    expected += x;
  }
  auto sum = test::sort_and_sum(device_address(v.data()), v.size());
  ASSERT_TRUE(sum) << sum.error().what();
  EXPECT_EQ(*sum, expected);
  EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));  // sorted in place: the host sees the region
}

TEST_F(ThrustOverUnimem, AnAllocatorWithoutRoomThrowsIntoAnError) {
  auto r = test::device_vector_pipeline(*alloc, std::size_t{1} << 30);  // 4 GiB in a 64 MiB region
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), Errc::device_error);
  EXPECT_EQ(alloc->stats().bytes_in_use, 0u);
}
