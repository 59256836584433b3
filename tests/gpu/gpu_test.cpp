// GPU tests, one source for both vendors (tests/gpu/cuda, tests/gpu/hip); the kernels they launch
// are in gpu_kernels.cpp. Tests that need a device skip with the runtime's reason where none exists;
// the no-device error paths run everywhere. The program re-executes itself (--child ...) as the
// second process of the IPC and shared-memory tests.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gpu_kernels.hpp"
#include "probe.hpp"
#include "support/test_support.hpp"
#include "unimem/memory/backend/gpu_device_backend.hpp"
#include "unimem/memory/backend/gpu_managed_backend.hpp"
#include "unimem/memory/backend/gpu_shm_backend.hpp"
#include "unimem/memory/device_pointer_table.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/memory.hpp"
#include "unimem/memory/memory_manager.hpp"
#include "unimem/thread/atomic.hpp"
#include "unimem/thread/mutex.hpp"
#include "unimem/thread/this_thread.hpp"

using namespace unimem;

constexpr GpuVendor kVendor = GpuVendor::UNIMEM_TEST_VENDOR;
using Rt = detail::GpuRuntime<kVendor>;
using ShmBackend = GpuShmBackend<kVendor>;
using DeviceBackend = GpuDeviceBackend<kVendor>;
using ManagedBackend = GpuManagedBackend<kVendor>;
using DeviceTable = DevicePointerTable<kVendor>;

#define UNIMEM_REQUIRE_GPU()                                                          \
  do {                                                                                \
    if (auto n = Rt::device_count(); !n) GTEST_SKIP() << "no GPU here: " << n.error().what(); \
  } while (0)

namespace {

std::string self_exe() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

#define UNIMEM_ASSERT_OK(expr)                          \
  do {                                                  \
    auto unimem_r_ = (expr);                            \
    ASSERT_TRUE(unimem_r_) << unimem_r_.error().what(); \
  } while (0)

}  // namespace

// ---- no device: the host-side error paths ----

TEST(GpuWithoutDevice, EveryBackendReportsNoDeviceAndLeavesNothing) {
  if (Rt::device_count()) GTEST_SKIP() << "a GPU is present: the no-device paths cannot be reached";
  const std::string name = test::unique_name("gpu-nodev");
  test::ShmNameGuard guard(name);
  auto shm = ShmBackend::create(name, 4096);
  EXPECT_EQ(shm.code(), Errc::no_device);
  EXPECT_NE(shm.error().message().find(Rt::name), std::string::npos) << shm.error().what();
  EXPECT_FALSE(test::shm_exists(name));

  // A plain region exists; attaching it as GPU memory fails without touching it.
  auto plain = PosixShmBackend::create(name, 4096);
  ASSERT_TRUE(plain);
  std::memcpy((*plain)->data(), "intact", 7);
  EXPECT_EQ(ShmBackend::attach(name).code(), Errc::no_device);
  EXPECT_STREQ((*plain)->data(), "intact");

  EXPECT_EQ(DeviceBackend::create(4096).code(), Errc::no_device);
  EXPECT_EQ(DeviceBackend::open(GpuIpcHandle{}).code(), Errc::no_device);
  EXPECT_EQ(ManagedBackend::create(4096).code(), Errc::no_device);
  EXPECT_EQ(DeviceTable::upload(MemoryManager::global()).code(), Errc::no_device);
  char buf[64];
  EXPECT_EQ(kernels::probe_mapping<kVendor>(buf, buf, sizeof buf).code(), Errc::no_device);
  EXPECT_EQ(Rt::malloc_device(64).code(), Errc::no_device);
}

TEST(GpuWithoutDevice, BadSizesAreRejectedBeforeTheDevice) {
  EXPECT_EQ(DeviceBackend::create(0).code(), Errc::invalid_argument);
  EXPECT_EQ(ManagedBackend::create(std::size_t{1} << 60).code(), Errc::invalid_argument);
}

// ---- with a device ----

TEST(GpuShm, KernelAndHostShareTheBytes) {
  UNIMEM_REQUIRE_GPU();
  const std::string name = test::unique_name("gpu-shm");
  test::ShmNameGuard guard(name);
  auto b = ShmBackend::create(name, 1 << 20);
  ASSERT_TRUE(b) << b.error().what();
  ASSERT_NE((*b)->device_data(), nullptr);
  constexpr int n = 10000;
  UNIMEM_ASSERT_OK(test::launch_fill(reinterpret_cast<int *>((*b)->device_data()), n, 3));
  const int *host = reinterpret_cast<int *>((*b)->data());
  for (int i = 0; i < n; ++i) ASSERT_EQ(host[i], i * 3) << i;

  // Another process attaches, registers, and runs its own kernel on the same bytes.
  auto child = test::run(self_exe(), {"--child", "shm-add", name});
  ASSERT_EQ(child.exit_code, 0) << child.out;
  for (int i = 0; i < n; ++i) ASSERT_EQ(host[i], i * 3 + 1) << i;
  EXPECT_TRUE((*b)->destroy());
  EXPECT_FALSE(test::shm_exists(name));
}

TEST(GpuKernels, ProbeSeesKernelWritesThroughTheMapping) {
  UNIMEM_REQUIRE_GPU();
  const std::string name = test::unique_name("gpu-probe");
  test::ShmNameGuard guard(name);
  auto b = ShmBackend::create(name, 1 << 16);
  ASSERT_TRUE(b) << b.error().what();
  std::memcpy((*b)->data(), "keep me", 8);
  auto ok = kernels::probe_mapping<kVendor>((*b)->device_data(), (*b)->data(), 1 << 16);
  EXPECT_TRUE(ok) << ok.error().what();
  EXPECT_STREQ((*b)->data(), "keep me");  // restored
}

TEST(GpuDevice, IpcHandleOpensInAnotherProcess) {
  UNIMEM_REQUIRE_GPU();
  auto b = DeviceBackend::create(1 << 20);
  ASSERT_TRUE(b) << b.error().what();
  EXPECT_EQ((*b)->base(), nullptr);  // not host memory
  constexpr int n = 4096;
  UNIMEM_ASSERT_OK(test::launch_fill(reinterpret_cast<int *>((*b)->device_data()), n, 2));
  auto h = (*b)->ipc_handle();
  ASSERT_TRUE(h) << h.error().what();
  std::string hex;
  for (char c : h->bytes) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", static_cast<unsigned char>(c));
    hex += two;
  }
  auto child = test::run(self_exe(), {"--child", "ipc-add", hex});
  ASSERT_EQ(child.exit_code, 0) << child.out;
  std::vector<int> host(n);
  ASSERT_TRUE(Rt::memcpy(host.data(), (*b)->device_data(), n * sizeof(int)));
  for (int i = 0; i < n; ++i) ASSERT_EQ(host[i], i * 2 + 1) << i;
}

TEST(GpuManaged, HostAndKernelUseOneAddress) {
  UNIMEM_REQUIRE_GPU();
  auto b = ManagedBackend::create(1 << 20);
  ASSERT_TRUE(b) << b.error().what();
  EXPECT_EQ((*b)->data(), (*b)->device_data());
  int *p = reinterpret_cast<int *>((*b)->data());
  for (int i = 0; i < 1024; ++i) p[i] = i;
  UNIMEM_ASSERT_OK(test::launch_add(p, 1024, 5));
  for (int i = 0; i < 1024; ++i) ASSERT_EQ(p[i], i + 5);
}

TEST(GpuAtomics, SystemScopeCountsHostAndDeviceTogether) {
  UNIMEM_REQUIRE_GPU();
  const std::string name = test::unique_name("gpu-atomic");
  test::ShmNameGuard guard(name);
  auto b = ShmBackend::create(name, 4096);
  ASSERT_TRUE(b) << b.error().what();
  auto *host_counter = new ((*b)->data()) Atomic<unsigned long long>(0);
  auto *dev_counter = reinterpret_cast<Atomic<unsigned long long> *>((*b)->device_data());
  constexpr int kBlocks = 64, kThreads = 128, kPerThread = 100, kHostIters = 200000;
  std::thread host([&] {
    for (int i = 0; i < kHostIters; ++i) host_counter->fetch_add(1, std::memory_order_relaxed);
  });
  UNIMEM_ASSERT_OK(test::launch_atomic_add(dev_counter, kBlocks, kThreads, kPerThread));
  host.join();
  EXPECT_EQ(host_counter->load(std::memory_order_acquire),
            static_cast<unsigned long long>(kBlocks) * kThreads * kPerThread + kHostIters);
}

TEST(GpuMutex, HostThreadAndKernelExcludeEachOther) {
  UNIMEM_REQUIRE_GPU();
  const std::string name = test::unique_name("gpu-mutex");
  test::ShmNameGuard guard(name);
  auto b = ShmBackend::create(name, 4096);
  ASSERT_TRUE(b) << b.error().what();
  auto *m = new ((*b)->data()) Mutex;
  auto *counter = reinterpret_cast<volatile unsigned long long *>((*b)->data() + 64);
  *counter = 0;
  constexpr int kBlocks = 8, kThreads = 128, kPerWarp = 50, kHostIters = 5000;
  auto device_adds = test::start_mutex_add(reinterpret_cast<Mutex *>((*b)->device_data()),
                                          reinterpret_cast<volatile unsigned long long *>((*b)->device_data() + 64),
                                          kBlocks, kThreads, kPerWarp);
  ASSERT_TRUE(device_adds) << device_adds.error().what();
  for (int i = 0; i < kHostIters; ++i) {
    ScopedLock guard(*m);
    *counter = *counter + 1;
  }
  UNIMEM_ASSERT_OK(test::wait_kernels());
  EXPECT_EQ(*counter, *device_adds + kHostIters);
}

TEST(GpuThreadModel, IdsAreDistinctAndTlsIsPerThread) {
  UNIMEM_REQUIRE_GPU();
  auto b = ManagedBackend::create(1 << 20);
  ASSERT_TRUE(b) << b.error().what();
  constexpr int kBlocks = 6, kThreads = 96, n = kBlocks * kThreads;
  auto *info = reinterpret_cast<test::ThreadInfo *>((*b)->data());
  auto *slots = reinterpret_cast<void **>((*b)->data() + n * sizeof(test::ThreadInfo));
  auto *values = reinterpret_cast<int *>(slots + n);
  std::memset(slots, 0, n * sizeof(void *));
  UNIMEM_ASSERT_OK(test::launch_thread_model(info, ThreadLocalKey::for_device(slots, n), values, kBlocks, kThreads));
  std::set<unsigned long long> ids;
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(info[i].tid, static_cast<unsigned long long>(i));
    EXPECT_EQ(info[i].tls_ok, 1) << i;
    EXPECT_EQ(slots[i], values + i);
    ids.insert(info[i].tid);
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(n));
  // Threads of one warp share its id and have distinct lanes.
  EXPECT_EQ(info[0].warp, info[1].warp);
  EXPECT_NE(info[0].lane, info[1].lane);
  EXPECT_NE(info[0].warp, info[kThreads].warp);  // another block, another warp
}

TEST(GpuPointerTable, KernelsResolveShmPtrsLikeTheHost) {
  UNIMEM_REQUIRE_GPU();
  MemoryManager mm;
  const std::string name = test::unique_name("gpu-table");
  test::ShmNameGuard guard(name);
  auto b = mm.create_backend<ShmBackend>(BackendId{0}, name, 1 << 20);
  ASSERT_TRUE(b) << b.error().what();
  ASSERT_TRUE(mm.register_allocator(AllocatorId{2}, BackendId{0}));
  constexpr int n = 256;
  auto *targets = reinterpret_cast<int *>((*b)->data() + 4096);
  auto *ptrs = reinterpret_cast<ShmPtr<int> *>((*b)->data());
  for (int i = 0; i < n; ++i) ptrs[i] = *mm.to_shm(AllocatorId{2}, targets + i);
  auto table = DeviceTable::upload(mm);
  ASSERT_TRUE(table) << table.error().what();
  auto *dev_ptrs = reinterpret_cast<ShmPtr<int> *>((*b)->device_data());
  UNIMEM_ASSERT_OK(test::launch_resolve(table->table(), dev_ptrs, n));
  for (int i = 0; i < n; ++i) ASSERT_EQ(*mm.to_address(ptrs[i]), 1000 + i);
}

TEST(GpuAllocator, KernelThreadsAllocateAndFreeInASharedRegion) {
  UNIMEM_REQUIRE_GPU();
  const std::string name = test::unique_name("gpu-alloc");
  test::ShmNameGuard guard(name);
  auto b = ShmBackend::create(name, 256u << 20);
  ASSERT_TRUE(b) << b.error().what();
  auto a = ThreadLocalAllocator::create(**b, AllocatorId{1});
  ASSERT_TRUE(a) << a.error().what();
  auto ref = (*a)->device_ref();
  ASSERT_TRUE(ref) << ref.error().what();
  auto failures = (*a)->allocate<Atomic<unsigned long long>>({}, 1);
  new (failures.ptr) Atomic<unsigned long long>(0);
  auto *dev_failures = reinterpret_cast<Atomic<unsigned long long> *>((*b)->device_base() + failures.shm.off.offset());
  UNIMEM_ASSERT_OK(test::launch_alloc_free(*ref, 64, 256, 20, dev_failures));
  EXPECT_EQ(failures.ptr->load(std::memory_order_acquire), 0u);
  EXPECT_EQ((*a)->stats().classes[size_classes::class_of(16)].live_blocks, 1u);  // the failure counter only
  EXPECT_TRUE((*a)->free({}, failures));
  EXPECT_EQ((*a)->stats().bytes_in_use, 0u);
}

// ---- containers and typed memory in kernels ----

// A CUDA/ROCm-shm region with a ThreadLocalAllocator: the host uses the allocator, kernels its device_ref().
class GpuContainers : public ::testing::Test {
 protected:
  void SetUp() override {
    UNIMEM_REQUIRE_GPU();
    auto b = ShmBackend::create(name, 256u << 20);
    ASSERT_TRUE(b) << b.error().what();
    backend = std::move(*b);
    auto a = ThreadLocalAllocator::create(*backend, AllocatorId{1});
    ASSERT_TRUE(a) << a.error().what();
    alloc = std::move(*a);
    auto d = alloc->device_ref();
    ASSERT_TRUE(d) << d.error().what();
    device = *d;
  }
  template <class T>
  T *device_address(T *host) const {
    return reinterpret_cast<T *>(backend->device_base() + (reinterpret_cast<char *>(host) - backend->base()));
  }
  Atomic<unsigned long long> *counter() {
    auto c = alloc->allocate<Atomic<unsigned long long>>({}, 1);
    return new (c.ptr) Atomic<unsigned long long>(0);
  }

  std::string name = test::unique_name("gpu-containers");
  test::ShmNameGuard guard{name};
  std::unique_ptr<ShmBackend> backend;
  std::unique_ptr<ThreadLocalAllocator> alloc;
  SlabAllocatorRef device;
};

TEST_F(GpuContainers, KernelBuildsAndProbesAMapTheHostReads) {
  constexpr int kBlocks = 64, kThreads = 256;
  auto map = unordered_map<unsigned long long, unsigned long long>::create(*alloc, kBlocks * kThreads).value();
  auto *failures = counter();
  UNIMEM_ASSERT_OK(test::launch_map_build_probe(map.rebind(device), kBlocks, kThreads, device_address(failures)));
  EXPECT_EQ(failures->load(std::memory_order_acquire), 0u);
  EXPECT_EQ(map.size(), static_cast<std::size_t>(kBlocks * kThreads));
  for (unsigned long long k = 0; k < kBlocks * kThreads; ++k) ASSERT_EQ(map.find(k)->second, 3 * k);
}

TEST_F(GpuContainers, HostThreadsFeedAKernelThroughAnMpmcQueue) {
  auto q = mpmc_queue<unsigned long long>::create(*alloc, 128).value();
  auto *sum = counter();
  constexpr unsigned long long kPerThread = 50000;
  UNIMEM_ASSERT_OK(test::start_queue_consumer(q.rebind(device), 2 * kPerThread, device_address(sum)));
  std::thread a([&] { for (unsigned long long i = 1; i <= kPerThread; ++i) q.push(i); });
  std::thread b([&] { for (unsigned long long i = 1; i <= kPerThread; ++i) q.push(i); });
  a.join();
  b.join();
  UNIMEM_ASSERT_OK(test::wait_kernels());
  EXPECT_EQ(sum->load(std::memory_order_acquire), kPerThread * (kPerThread + 1));
}

TEST_F(GpuContainers, KernelAddsToAtomicMemoryInMappedMemory) {
  auto m = Memory<unsigned long long, kind::atomic, space::shared>::allocate(*alloc, 16).value();
  for (std::size_t i = 0; i < 16; ++i) m.store(i, 0, std::memory_order_relaxed);
  auto dev = Memory<unsigned long long, kind::atomic, space::shared>::wrap(device_address(m.data()), 16).value();
  UNIMEM_ASSERT_OK(test::launch_atomic_memory_add(MemoryRef(dev), 32, 256));
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(m.load(i, std::memory_order_acquire), 32u * 256 / 16);
}

// ---- the second process ----

namespace {

int child_shm_add(const char *name) {
  auto b = ShmBackend::attach(name);
  if (!b) return std::printf("attach: %s\n", b.error().what().c_str()), 2;
  return test::launch_add(reinterpret_cast<int *>((*b)->device_data()), 10000, 1) ? 0 : 3;
}

int child_ipc_add(const std::string &hex) {
  GpuIpcHandle h;
  for (size_t i = 0; i < h.bytes.size(); ++i) h.bytes[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  auto b = DeviceBackend::open(h);
  if (!b) return std::printf("open: %s\n", b.error().what().c_str()), 2;
  if ((*b)->created()) return 4;
  // The destructor closes the IPC mapping; the creator's memory stays.
  return test::launch_add(reinterpret_cast<int *>((*b)->device_data()), 4096, 1) ? 0 : 3;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc == 4 && std::string(argv[1]) == "--child") {
    const std::string what = argv[2];
    if (what == "shm-add") return child_shm_add(argv[3]);
    if (what == "ipc-add") return child_ipc_add(argv[3]);
    return 64;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
