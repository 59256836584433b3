// gmem with a GPU runtime linked: hnids of devices, managed memory prefetched to and from the device
// (hotness from the runtime's record), discard on the vendor's stream, the managed heap, and a
// stream of the wrong kind. Without a device only the no-device answers are checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "support/test_support.hpp"
#include "unimem/gmem/gmem.hpp"
#include "unimem/gmem/heap.hpp"
#include "unimem/gmem/topology.hpp"
#include "unimem/memory/detail/gpu_runtime.hpp"

using namespace unimem;
using namespace unimem::gmem;

namespace {

constexpr GpuVendor kVendor = GpuVendor::UNIMEM_TEST_VENDOR;
constexpr NodeKind kKind = kVendor == GpuVendor::cuda ? NodeKind::cuda : NodeKind::hip;
using Rt = unimem::detail::GpuRuntime<kVendor>;

std::optional<NumaNode> first_device() {
  for (const auto &n : topology()) {
    if (n.kind == kKind) return n;
  }
  return std::nullopt;
}

}  // namespace

TEST(GpuGmemWithoutDevice, NoDeviceNodesAndNoManagedHeap) {
  if (Rt::device_count()) GTEST_SKIP() << "a GPU is present";
  EXPECT_FALSE(first_device().has_value());
  EXPECT_EQ(Heap::managed<kVendor>().code(), Errc::no_device);
  auto id = numa_id();
  UNIMEM_ASSERT_OK(id);
  EXPECT_EQ(node(*id)->kind, NodeKind::cpu);
}

TEST(GpuGmem, ManagedMemoryMovesToTheDeviceAndBack) {
  if (auto n = Rt::device_count(); !n) GTEST_SKIP() << "no GPU here: " << n.error().what();
  const auto device = first_device();
  ASSERT_TRUE(device.has_value()) << "unimem's GPU library did not register with gmem";
  auto id = numa_id();
  UNIMEM_ASSERT_OK(id);
  EXPECT_EQ(node(*id)->kind, kKind) << "numa_id() is the current GPU's hnid";

  auto heap = Heap::managed<kVendor>();
  UNIMEM_ASSERT_OK(heap);
  const std::size_t bytes = 8 * kDefaultPageSize;
  auto *data = static_cast<char *>(heap->aligned_alloc(kDefaultPageSize, bytes));
  ASSERT_NE(data, nullptr);
  std::memset(data, 'g', bytes);

  clear_hotness();
  UNIMEM_ASSERT_OK(prefetch(data, bytes, device->hnid));
  EXPECT_EQ(hotness(data), 0u);
  UNIMEM_ASSERT_OK(prefetch(data, bytes, device->hnid));
  EXPECT_EQ(hotness(data), 1u) << "the runtime reports the range on the device already";

  auto stream = Stream::gpu<kVendor>();
  UNIMEM_ASSERT_OK(stream);
  UNIMEM_ASSERT_OK(prefetch(data, bytes, 0, *stream));
  UNIMEM_ASSERT_OK(stream->synchronize());
  EXPECT_TRUE(std::all_of(data, data + bytes, [](char c) { return c == 'g'; })) << "prefetch moves, never changes";

  UNIMEM_ASSERT_OK(free_eager(data, bytes, *stream));
  UNIMEM_ASSERT_OK(stream->synchronize());
  EXPECT_EQ(hotness(data), 0u);

  auto host = Stream::host();
  UNIMEM_ASSERT_OK(host);
  EXPECT_EQ(prefetch(data, bytes, device->hnid, *host).code(), Errc::invalid_argument) << "host stream, GPU work";
  EXPECT_EQ(free_eager(data, bytes, *host).code(), Errc::invalid_argument);
  heap->free(data);
}

TEST(GpuGmem, PlainHostMemoryNeedsPageableAccess) {
  if (auto n = Rt::device_count(); !n) GTEST_SKIP() << "no GPU here: " << n.error().what();
  const auto device = first_device();
  ASSERT_TRUE(device.has_value());
  auto block = Heap::host();
  const std::size_t bytes = 2 * kDefaultPageSize;
  void *p = block.aligned_alloc(kDefaultPageSize, bytes);
  ASSERT_NE(p, nullptr);
  auto r = prefetch(p, bytes, device->hnid);
  // Either the device reaches pageable memory (HMM) and the prefetch works, or it is refused clearly.
  EXPECT_TRUE(r.ok() || r.code() == Errc::unsupported) << r.error().what();
  block.free(p);
}
