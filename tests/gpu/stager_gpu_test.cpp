// The staging pipeline to a GPU: PMEM pool -> page-locked buffers -> device memory on the vendor's
// stream, for sizes that are not multiples of the chunk; copied back and compared.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "support/test_support.hpp"
#include "unimem/memory/detail/gpu_runtime.hpp"
#include "unimem/pmem/pmem_pool.hpp"
#include "unimem/pmem/stager.hpp"

using namespace unimem;

namespace {

constexpr GpuVendor kVendor = GpuVendor::UNIMEM_TEST_VENDOR;
using Rt = unimem::detail::GpuRuntime<kVendor>;

TEST(GpuStager, PmemDataArrivesInDeviceMemoryIntact) {
  if (auto n = Rt::device_count(); !n) GTEST_SKIP() << "no GPU here: " << n.error().what();
  const std::string path = "/dev/shm/" + test::unique_name("gpu-stage");
  auto pool = pmem::PmemPool::create(path, std::size_t{8} << 20);
  ::unlink(path.c_str());
  UNIMEM_ASSERT_OK(pool);
  char *src = (*pool)->data();
  for (std::size_t i = 0; i < (std::size_t{8} << 20); ++i) src[i] = static_cast<char>(i * 5 + i / 977);
  auto stream = Stream::gpu<kVendor>();
  UNIMEM_ASSERT_OK(stream);
  auto device = Rt::malloc_device(std::size_t{8} << 20);
  UNIMEM_ASSERT_OK(device);
  for (unsigned buffers : {2u, 3u}) {
    auto stager = pmem::Stager::create(*stream, {.chunk_bytes = 1 << 20, .buffers = buffers});
    UNIMEM_ASSERT_OK(stager);
    for (std::size_t n : {std::size_t{1}, std::size_t{(1 << 20) + 1}, std::size_t{(7 << 20) + 4093}}) {
      UNIMEM_ASSERT_OK(stager->stage(*device, src + 7, n));
      UNIMEM_ASSERT_OK(stream->synchronize());
      std::vector<char> back(n);
      UNIMEM_ASSERT_OK(Rt::memcpy(back.data(), *device, n));
      ASSERT_EQ(std::memcmp(back.data(), src + 7, n), 0) << n << " bytes, " << buffers << " buffers";
    }
  }
  UNIMEM_ASSERT_OK(Rt::free(*device));
}

}  // namespace
