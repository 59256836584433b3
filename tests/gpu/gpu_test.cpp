// GPU tests, one source for both vendors (tests/gpu/cuda, tests/gpu/hip); the kernels they launch
// are in gpu_kernels.cpp (thread model, atomics, locks); the SDK's kernels run on the GPU through
// tests/kernel/device_kernels_test.cpp, built into the same program. Tests that need a device skip with the runtime's reason where none exists;
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
#include "unimem/memory/memory_manager.hpp"
#include "unimem/kernel/launch.hpp"
#include "unimem/stream/stream.hpp"
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
  EXPECT_EQ(Stream::gpu<kVendor>().code(), Errc::no_device);
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

// ---- streams ----

namespace {
struct Nothing {
  UNIMEM_HOST_DEVICE void operator()() const {}
};
}  // namespace

TEST(GpuStream, HostTasksEventsAndErrorsKeepTheStreamContract) {
  UNIMEM_REQUIRE_GPU();
  auto s = Stream::gpu<kVendor>();
  ASSERT_TRUE(s) << s.error().what();
  EXPECT_EQ(s->kind(), kVendor == GpuVendor::cuda ? StreamKind::cuda : StreamKind::hip);
  EXPECT_NE(s->native_handle(), nullptr);
  std::vector<int> order;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(s->enqueue([&order, i] {
      order.push_back(i);
      return success();
    }));
  }
  ASSERT_TRUE(s->enqueue([] { return Result<void>(Error(Errc::io_error, "late")); }));
  auto e = s->record();
  ASSERT_TRUE(e) << e.error().what();
  EXPECT_EQ(s->synchronize().code(), Errc::io_error);
  EXPECT_TRUE(s->synchronize());
  EXPECT_TRUE(*e->query());
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);

  // A host stream waits for the GPU stream's event, and the GPU stream for a host stream's.
  auto h = Stream::host();
  ASSERT_TRUE(h);
  ASSERT_TRUE(h->wait(*e));
  auto he = h->record();
  ASSERT_TRUE(he);
  ASSERT_TRUE(s->wait(*he));
  ASSERT_TRUE(s->synchronize());

  // This file is compiled by the host compiler: a launch on the GPU stream says so, not a no-op.
  auto r = launch(*s, LaunchConfig{Dim3(1), Dim3(32), 0}, Nothing{});
  EXPECT_EQ(r.code(), Errc::unsupported);
  EXPECT_NE(r.error().message().find(kVendor == GpuVendor::cuda ? "nvcc" : "hipcc"), std::string::npos);
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
