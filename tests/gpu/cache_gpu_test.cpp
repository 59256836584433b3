// The worker cache in GPU placements: buffers in device memory (a GPU worker's hit needs no
// host-to-device copy) and in page-locked host memory, filled through the vendor's stream, read
// back and compared; hits return the same device buffer without a second fill.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "support/pattern.hpp"
#include "support/test_support.hpp"
#include "unimem/cache/worker_cache.hpp"
#include "unimem/memory/detail/gpu_runtime.hpp"

using namespace unimem;
using namespace unimem::cache;

namespace {

constexpr GpuVendor kVendor = GpuVendor::UNIMEM_TEST_VENDOR;
using Rt = unimem::detail::GpuRuntime<kVendor>;

TEST(GpuCache, DeviceAndPinnedPlacementsHoldTheFilledData) {
  if (auto n = Rt::device_count(); !n) GTEST_SKIP() << "no GPU here: " << n.error().what();
  auto stream = Stream::gpu<kVendor>();
  UNIMEM_ASSERT_OK(stream);
  std::vector<unsigned char> data(1 << 20);
  test::fill_pattern(data.data(), data.size(), 1);
  for (auto placement : {Placement::device, Placement::pinned_host}) {
    SCOPED_TRACE(placement_name(placement));
    auto cache = WorkerCache::create({.budget = 4 << 20, .placement = placement, .stream = *stream});
    UNIMEM_ASSERT_OK(cache);
    int fills = 0;
    auto fill = [&](std::span<std::byte> buffer) -> Result<void> {
      ++fills;
      if (auto ok = stream->copy(buffer.data(), data.data(), buffer.size()); !ok) return ok;
      return stream->synchronize();
    };
    auto a = cache->acquire(DataId(1), data.size(), fill);
    UNIMEM_ASSERT_OK(a);
    auto b = cache->acquire(DataId(1), data.size(), fill);
    UNIMEM_ASSERT_OK(b);
    EXPECT_EQ(a->data(), b->data());
    EXPECT_EQ(fills, 1);
    std::vector<unsigned char> back(data.size());
    UNIMEM_ASSERT_OK(Rt::memcpy(back.data(), a->data(), back.size()));
    EXPECT_EQ(back, data);
  }
}

TEST(GpuCache, DevicePlacementNeedsAGpuStream) {
  auto host = Stream::host();
  UNIMEM_ASSERT_OK(host);
  EXPECT_EQ(WorkerCache::create({.budget = 1 << 20, .placement = Placement::device, .stream = *host}).code(),
            Errc::invalid_argument);
  EXPECT_EQ(host->alloc_device(4096).code(), Errc::unsupported);
}

}  // namespace
