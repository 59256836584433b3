// The SDK's kernels (kernels/) on every executor this program was built for: the host emulation
// (null and host streams) always, and the GPU of UNIMEM_TEST_VENDOR when this file is built
// into a GPU test program (skipped with the runtime's reason where no GPU exists). The data lives
// in a shared-memory region; for a GPU it is a registered one and kernels get device addresses.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "device_kernels.hpp"
#include "probe.hpp"
#include "support/test_support.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/array.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"
#include "unimem/memory/memory.hpp"
#include "unimem/memory/memory_manager.hpp"
#if defined(UNIMEM_TEST_VENDOR)
#include "unimem/memory/backend/gpu_shm_backend.hpp"
#include "unimem/memory/device_pointer_table.hpp"
#endif

using namespace unimem;
using kernels::Counter;

namespace {

#if defined(UNIMEM_TEST_VENDOR)
constexpr GpuVendor kVendor = GpuVendor::UNIMEM_TEST_VENDOR;
constexpr auto kBuild = kVendor == GpuVendor::cuda ? kernels::KernelBuild::cuda : kernels::KernelBuild::hip;
using GpuBackend = GpuShmBackend<kVendor>;
#else
constexpr auto kBuild = kernels::KernelBuild::host;
#endif

enum class Executor { null_stream, host_stream, gpu };

std::string executor_name(const ::testing::TestParamInfo<Executor> &info) {
  switch (info.param) {
    case Executor::null_stream: return "NullStream";
    case Executor::host_stream: return "HostStream";
    case Executor::gpu: return "Gpu";
  }
  return "Unknown";
}

class DeviceKernels : public ::testing::TestWithParam<Executor> {
 protected:
  void SetUp() override {
    if (GetParam() == Executor::gpu) {
#if defined(UNIMEM_TEST_VENDOR)
      auto s = Stream::gpu<kVendor>();
      if (!s && s.code() == Errc::no_device) GTEST_SKIP() << "no GPU here: " << s.error().what();
      ASSERT_TRUE(s) << s.error().what();
      stream = *s;
      auto b = GpuBackend::create(name, 256u << 20);
      ASSERT_TRUE(b) << b.error().what();
      backend = std::move(*b);
#endif
    } else {
      if (GetParam() == Executor::host_stream) stream = Stream::host().value();
      auto b = PosixShmBackend::create(name, 256u << 20);
      ASSERT_TRUE(b) << b.error().what();
      backend = std::move(*b);
    }
    auto a = ThreadLocalAllocator::create(*backend, AllocatorId{1});
    ASSERT_TRUE(a) << a.error().what();
    alloc = std::move(*a);
    if (gpu()) {
      auto d = alloc->device_ref();
      ASSERT_TRUE(d) << d.error().what();
      kernel_alloc = *d;
    } else {
      kernel_alloc = alloc->ref();
    }
  }

  bool gpu() const { return GetParam() == Executor::gpu; }
  /// A host address in the region as the kernel's executor sees it.
  template <class T>
  T *kernel_address(T *host) const {
    return gpu() ? backend->device_address(host) : host;
  }
  Counter *counter() {
    auto c = alloc->allocate<Counter>({}, 1);
    return new (c.ptr) Counter(0);
  }
  /// A full grid on a GPU; fewer threads where each is an OS thread.
  LaunchConfig grid(std::uint32_t gpu_blocks, std::uint32_t host_blocks, std::uint32_t threads) const {
    return LaunchConfig{Dim3(gpu() ? gpu_blocks : host_blocks), Dim3(threads), 0};
  }
  Result<void> finish() { return stream.synchronize(); }
  /// Why host and kernel threads cannot share atomics in the region at once here, or empty: a GPU
  /// whose link to the host has no native atomics (see GpuRuntime::host_native_atomics).
  std::string no_concurrent_host_atomics() const {
#if defined(UNIMEM_TEST_VENDOR)
    if (gpu()) {
      auto native = unimem::detail::GpuRuntime<kVendor>::host_native_atomics();
      if (!native) return native.error().what();
      if (!*native) return "this GPU's link to the host performs no native atomics";
    }
#endif
    return {};
  }

  std::string name = test::unique_name("kernels");
  test::ShmNameGuard guard{name};
  std::unique_ptr<MemoryBackend> backend;
  std::unique_ptr<ThreadLocalAllocator> alloc;
  SlabAllocatorRef kernel_alloc;
  Stream stream;
};

}  // namespace

TEST_P(DeviceKernels, LaunchModelHoldsInsideTheKernel) {
  const Dim3 grid(3), blocks[] = {Dim3(64), Dim3(40), Dim3(16, 4, 2), Dim3(1024)};
  auto *sums = alloc->allocate<unsigned long long>({}, grid.count()).ptr;
  for (const Dim3 &block : blocks) {
    auto *failures = counter();
    UNIMEM_ASSERT_OK((kernels::launch_checks<kBuild>(stream, grid, block, kernel_address(sums), kernel_address(failures))));
    UNIMEM_ASSERT_OK(finish());
    EXPECT_EQ(failures->load(std::memory_order_acquire), 0u) << "block of " << block.count();
    const unsigned long long n = block.count();
    for (std::uint32_t b = 0; b < grid.count(); ++b) EXPECT_EQ(sums[b], n * (n + 1) / 2) << "block " << b;
  }
}

TEST_P(DeviceKernels, ProbeSeesKernelWritesThroughTheMapping) {
  constexpr std::size_t n = 1 << 16;
  char *host = alloc->allocate<char>({}, n).ptr;
  std::memcpy(host, "keep me", 8);
  UNIMEM_ASSERT_OK((kernels::probe_stream<kBuild>(stream, kernel_address(host), host, n)));
  EXPECT_STREQ(host, "keep me");  // restored
  EXPECT_EQ((kernels::probe_stream<kBuild>(stream, kernel_address(host), host, 63)).code(), Errc::invalid_argument);
}

TEST_P(DeviceKernels, ThreadsAllocateAndFreeAtOnce) {
  auto *failures = counter();
  const auto before = alloc->stats().bytes_in_use;
  UNIMEM_ASSERT_OK((kernels::alloc_free<kBuild>(stream, grid(64, 8, 256), kernel_alloc, 20, kernel_address(failures))));
  UNIMEM_ASSERT_OK(finish());
  EXPECT_EQ(failures->load(std::memory_order_acquire), 0u);
  EXPECT_EQ(alloc->stats().bytes_in_use, before);  // everything the kernel allocated came back
}

TEST_P(DeviceKernels, MapIsBuiltAndProbedConcurrently) {
  const LaunchConfig c = grid(64, 8, 256);
  const auto n = c.thread_count();
  auto map = unordered_map<unsigned long long, unsigned long long>::create(*alloc, n).value();
  auto *failures = counter();
  auto device_map = map.rebind(kernel_alloc);
  UNIMEM_ASSERT_OK((kernels::map_build_probe<kBuild>(stream, c, device_map, 0, kernel_address(failures))));
  UNIMEM_ASSERT_OK((kernels::map_probe<kBuild>(stream, c, device_map, 0, kernel_address(failures))));
  UNIMEM_ASSERT_OK(finish());
  EXPECT_EQ(failures->load(std::memory_order_acquire), 0u);
  ASSERT_EQ(map.size(), n);
  for (unsigned long long k = 0; k < n; ++k) ASSERT_EQ(map.find(k)->second, 3 * k) << k;
}

// The host emulation runs host code, where an automatic map grows, which is for one writer only.
TEST_P(DeviceKernels, MapKernelsOfTheHostEmulationRefuseAnAutomaticMap) {
  if (kBuild != kernels::KernelBuild::host) GTEST_SKIP() << "a GPU build's kernels never grow a map: nothing to refuse";
  auto map = unordered_map<unsigned long long, unsigned long long>::create(*alloc, 16, MapGrowth::automatic).value();
  auto *failures = counter();
  const auto r = kernels::map_insert<kBuild>(stream, grid(1, 1, 64), map.rebind(kernel_alloc), 0, kernel_address(failures));
  EXPECT_EQ(r.code(), Errc::invalid_argument);
  EXPECT_EQ(map.size(), 0u) << "no thread ran";
  map.destroy();
}

TEST_P(DeviceKernels, HostThreadsFeedKernelConsumersThroughAnMpmcQueue) {
  if (auto why = no_concurrent_host_atomics(); !why.empty()) GTEST_SKIP() << why;
  const LaunchConfig c = grid(16, 4, 32);
  constexpr unsigned long long kPerConsumer = 300;
  const unsigned long long total = c.thread_count() * kPerConsumer;
  auto q = mpmc_queue<unsigned long long>::create(*alloc, 64).value();
  auto *sum = counter();
  // Producers first: on the null stream the launch returns only when the consumers are done.
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&, p] {
      for (unsigned long long v = 1 + p; v <= total; v += 2) q.push(v);
    });
  }
  auto launched = kernels::queue_consume<kBuild>(stream, c, q.rebind(kernel_alloc), kPerConsumer, kernel_address(sum));
  for (auto &t : producers) t.join();
  UNIMEM_ASSERT_OK(launched);
  UNIMEM_ASSERT_OK(finish());
  // Each value 1..total popped exactly once: a value popped twice or lost changes the sum.
  EXPECT_EQ(sum->load(std::memory_order_acquire), total * (total + 1) / 2);
  EXPECT_TRUE(q.empty());
}

TEST_P(DeviceKernels, KernelProducersFeedHostConsumersThroughAnMpmcQueue) {
  if (auto why = no_concurrent_host_atomics(); !why.empty()) GTEST_SKIP() << why;
  const LaunchConfig c = grid(16, 4, 32);
  constexpr unsigned long long kPerProducer = 300;
  const unsigned long long total = c.thread_count() * kPerProducer;
  auto q = mpmc_queue<unsigned long long>::create(*alloc, 64).value();
  std::atomic<unsigned long long> sum{0}, popped{0};
  std::vector<std::thread> consumers;
  for (int t = 0; t < 2; ++t) {
    consumers.emplace_back([&] {
      unsigned long long local = 0, v = 0;
      while (popped.load(std::memory_order_relaxed) < total) {
        if (q.try_pop(v)) {
          local += v;
          popped.fetch_add(1, std::memory_order_relaxed);
        } else {
          std::this_thread::yield();
        }
      }
      sum.fetch_add(local);
    });
  }
  auto launched = kernels::queue_produce<kBuild>(stream, c, q.rebind(kernel_alloc), kPerProducer);
  UNIMEM_ASSERT_OK(launched);
  UNIMEM_ASSERT_OK(finish());
  for (auto &t : consumers) t.join();
  EXPECT_EQ(popped.load(), total);
  EXPECT_EQ(sum.load(), c.thread_count() * (kPerProducer * (kPerProducer + 1) / 2));
}

TEST_P(DeviceKernels, KernelsResolveShmPtrsThroughThePointerTable) {
  MemoryManager mm;
  const std::string region = test::unique_name("kernels-table");
  test::ShmNameGuard region_guard(region);
  MemoryBackend *b = nullptr;
  if (gpu()) {
#if defined(UNIMEM_TEST_VENDOR)
    auto r = mm.create_backend<GpuBackend>(BackendId{0}, region, 1 << 20);
    ASSERT_TRUE(r) << r.error().what();
    b = *r;
#endif
  } else {
    auto r = mm.create_backend<PosixShmBackend>(BackendId{0}, region, 1 << 20);
    ASSERT_TRUE(r) << r.error().what();
    b = *r;
  }
  ASSERT_TRUE(mm.register_allocator(AllocatorId{2}, BackendId{0}));
  constexpr int n = 700;
  auto *targets = reinterpret_cast<int *>(b->data() + (64 << 10));
  auto *ptrs = reinterpret_cast<ShmPtr<int> *>(b->data());
  for (int i = 0; i < n; ++i) ptrs[i] = *mm.to_shm(AllocatorId{2}, targets + i);
  PointerTable table = mm.table();
  auto *kernel_ptrs = gpu() ? reinterpret_cast<ShmPtr<int> *>(b->device_data()) : ptrs;
#if defined(UNIMEM_TEST_VENDOR)
  std::optional<DevicePointerTable<kVendor>> device_table;
  if (gpu()) {
    auto t = DevicePointerTable<kVendor>::upload(mm);
    ASSERT_TRUE(t) << t.error().what();
    device_table.emplace(std::move(*t));
    table = device_table->table();
  }
#endif
  UNIMEM_ASSERT_OK((kernels::resolve_pointers<kBuild>(stream, table, kernel_ptrs, n)));
  UNIMEM_ASSERT_OK(finish());
  for (int i = 0; i < n; ++i) ASSERT_EQ(targets[i], 1000 + i) << i;
  EXPECT_EQ(kernels::resolve_pointers<kBuild>(stream, table, kernel_ptrs, 0).code(), Errc::invalid_argument);
}

TEST_P(DeviceKernels, AtomicMemoryAndArraysCountEveryThread) {
  const LaunchConfig c = grid(32, 4, 256);
  auto counts = Memory<unsigned long long, kind::atomic, space::host>::allocate(*alloc, 16).value();
  auto cells = Array<unsigned long long, 2, kind::atomic, space::host>::create(*alloc, 4, 8).value();
  for (std::size_t i = 0; i < 16; ++i) counts.store(i, 0, std::memory_order_relaxed);
  for (std::size_t i = 0; i < 32; ++i) cells.view().ref(i).store(0, std::memory_order_relaxed);
  // The kernel's view: the same elements typed as shared (host and executor), at its addresses.
  const kernels::AtomicCounts kcounts(kernel_address(counts.data()), 16, 0);
  const kernels::AtomicGrid kcells{kernel_address(cells.view().data), {4, 8}};
  UNIMEM_ASSERT_OK((kernels::atomic_add_typed<kBuild>(stream, c, kcounts, kcells)));
  UNIMEM_ASSERT_OK(finish());
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(counts.load(i, std::memory_order_acquire), c.thread_count() / 16);
  for (std::size_t i = 0; i < 32; ++i) EXPECT_EQ(cells.view().ref(i).load(std::memory_order_acquire), c.thread_count() / 32);
  EXPECT_EQ((kernels::atomic_add_typed<kBuild>(stream, c, kernels::AtomicCounts{}, kcells)).code(), Errc::invalid_argument);
}

#if defined(UNIMEM_TEST_VENDOR)
INSTANTIATE_TEST_SUITE_P(Executors, DeviceKernels, ::testing::Values(Executor::host_stream, Executor::gpu),
                         executor_name);
#else
INSTANTIATE_TEST_SUITE_P(Executors, DeviceKernels, ::testing::Values(Executor::null_stream, Executor::host_stream),
                         executor_name);
#endif
