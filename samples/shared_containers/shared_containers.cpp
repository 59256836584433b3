// shared_containers: containers used in place by host threads, a kernel and a second process.
// A shared region (also registered with the GPU when there is one) holds an mpmc_queue of work and
// an unordered_map of results, both named in the region's Directory. Two host threads push 1..N
// into the queue while every thread of a kernel pops values and inserts (v, v * v) into the map, all
// at once; then a second process (this program, exec'd) attaches the region by name, finds the map
// by its name and checks every entry without a copy. The kernel runs on the GPU when the sample is
// built with CUDA and a GPU answers, on the host emulation (blocks of OS threads) otherwise. Host
// and GPU threads share the queue at the same time only where the GPU's link to the host performs
// atomics natively (CudaRuntime::host_native_atomics); elsewhere the host fills it first.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "unimem/containers/directory.hpp"
#include "unimem/containers/mpmc_queue.hpp"
#include "unimem/containers/unordered_map.hpp"
#include "unimem/kernel/launch.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"
#if UNIMEM_HAS_CUDA
#include "unimem/memory/backend/gpu_shm_backend.hpp"
#include "unimem/memory/detail/gpu_runtime.hpp"
#endif

using namespace unimem;

namespace {

constexpr AllocatorId kHeap{1};
constexpr std::uint64_t kPerThread = 64;  // values each kernel thread pops

using Squares = unordered_map<std::uint64_t, std::uint64_t>;
using Counter = Atomic<std::uint64_t>;

// The kernel, written once: containers are handles rebound to the executor's allocator ref.
struct SquareWorker {
  mpmc_queue<std::uint64_t, SlabAllocatorRef> work;
  unordered_map<std::uint64_t, std::uint64_t, SlabAllocatorRef> squares;
  Counter *duplicates;  // a value popped twice would be inserted twice

  UNIMEM_HOST_DEVICE void operator()() const {
    auto queue = work;  // handles are values; the call operator is const
    auto map = squares;
    for (std::uint64_t i = 0; i < kPerThread; ++i) {
      const std::uint64_t v = queue.pop();
      if (!map.emplace(v, v * v).second) duplicates->fetch_add(1, std::memory_order_relaxed);
    }
  }
};

// The second process: attaches the region by name and reads the map where the kernel wrote it.
int reader(const char *name, std::uint64_t n) {
  auto region = PosixShmBackend::attach(name);
  if (!region) return std::fprintf(stderr, "reader: %s\n", region.error().what().c_str()), 1;
  auto heap = ThreadLocalAllocator::attach(**region, kHeap);
  if (!heap) return std::fprintf(stderr, "reader: %s\n", heap.error().what().c_str()), 1;
  auto squares = Directory<>::open(**heap)->find<Squares>("squares");
  if (!squares) return std::fprintf(stderr, "reader: %s\n", squares.error().what().c_str()), 1;
  std::uint64_t right = 0;
  for (std::uint64_t v = 1; v <= n; ++v) {
    const auto it = squares->find(v);
    right += it != squares->end() && it->second == v * v ? 1 : 0;
  }
  std::printf("  [reader pid %d] attached '%s', found \"squares\" by name: %llu of %llu entries right, in place\n",
              getpid(), name, static_cast<unsigned long long>(right), static_cast<unsigned long long>(n));
  return right == n && squares->size() == n ? 0 : 1;
}

struct Executor {
  Stream stream;
  std::unique_ptr<PosixShmBackend> region;
  bool gpu = false;
  // Whether host threads may run atomics on the region while the kernel does (see
  // GpuRuntime::host_native_atomics); if not, the host fills the queue before the kernel starts.
  bool concurrent = true;
};

// The GPU with a registered region when this build and machine have one; the host emulation otherwise.
Result<Executor> make_executor(const std::string &name, std::size_t bytes) {
#if UNIMEM_HAS_CUDA
  if (auto s = Stream::gpu<GpuVendor::cuda>()) {
    auto region = CudaShmBackend::create(name, bytes);
    if (!region) return region.error();
    auto native = CudaRuntime::host_native_atomics();
    return Executor{*s, std::move(*region), true, native && *native};
  } else {
    std::printf("  no GPU (%s): the kernel runs on the host emulation\n", s.error().what().c_str());
  }
#endif
  auto s = Stream::host();
  if (!s) return s.error();
  auto region = PosixShmBackend::create(name, bytes);
  if (!region) return region.error();
  return Executor{*s, std::move(*region), false, true};
}

bool run_in(Executor *ex, const std::string &name, const char *self) {
  // A full GPU grid; on the host emulation every thread is an OS thread, so fewer.
  const LaunchConfig grid{Dim3(ex->gpu ? 64 : 4), Dim3(ex->gpu ? 256 : 64), 0};
  const std::uint64_t n = grid.thread_count() * kPerThread;

  auto heap = ThreadLocalAllocator::create(*ex->region, kHeap);
  if (!heap) return std::fprintf(stderr, "heap: %s\n", heap.error().what().c_str()), false;
  auto dir = Directory<>::open(**heap);
  auto work = dir->create<mpmc_queue<std::uint64_t>>("work", ex->concurrent ? 1024 : n);
  auto squares = dir->create<Squares>("squares", n);
  if (!work || !squares) return std::fprintf(stderr, "containers: out of region memory\n"), false;
  Counter *slot = (*heap)->allocate<Counter>({}, 1).ptr;
  if (slot == nullptr) return std::fprintf(stderr, "counter: out of region memory\n"), false;
  auto *duplicates = new (slot) Counter(0);

  // The kernel sees the region through its own addresses: the device mapping on a GPU.
  auto kernel_heap = ex->gpu ? (*heap)->device_ref() : Result<SlabAllocatorRef>((*heap)->ref());
  if (!kernel_heap) return std::fprintf(stderr, "device ref: %s\n", kernel_heap.error().what().c_str()), false;
  Counter *kernel_duplicates = ex->gpu ? ex->region->device_address(duplicates) : duplicates;

  // Two host threads push 1..n. A kernel that died (its error comes from synchronize) pops
  // nothing, so producers give up after a minute without room.
  std::atomic<bool> stalled{false};
  const auto produce = [&] {
    std::vector<std::thread> producers;
    for (std::uint64_t p = 0; p < 2; ++p) {
      producers.emplace_back([&, p] {
        for (std::uint64_t v = 1 + p; v <= n && !stalled.load(std::memory_order_relaxed); v += 2) {
          const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
          while (!work->try_push(v) && !stalled.load(std::memory_order_relaxed)) {
            if (std::chrono::steady_clock::now() > give_up) stalled.store(true, std::memory_order_relaxed);
            std::this_thread::yield();
          }
        }
      });
    }
    for (auto &t : producers) t.join();
  };
  if (!ex->concurrent) {
    std::printf("  this GPU's link to the host has no native atomics: the host fills the queue first, then the "
                "kernel's threads share it among themselves\n");
    produce();
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto launched = launch(ex->stream, grid,
                         SquareWorker{work->rebind(*kernel_heap), squares->rebind(*kernel_heap), kernel_duplicates});
  if (!launched) return std::fprintf(stderr, "launch: %s\n", launched.error().what().c_str()), false;
  if (ex->concurrent) produce();  // the queue holds 1024: producers and consumers run together
  if (auto ok = ex->stream.synchronize(); !ok) return std::fprintf(stderr, "kernel: %s\n", ok.error().what().c_str()), false;
  if (stalled.load()) return std::fprintf(stderr, "the kernel stopped popping for a minute\n"), false;
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("  [host pid %d] region '%s' (%s): 2 host threads pushed %llu values, %llu kernel threads on %s "
              "popped them and filled the map in %.1f ms; duplicates: %llu, map size %llu\n",
              getpid(), name.c_str(), ex->gpu ? "registered with the GPU" : "POSIX shm",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(grid.thread_count()),
              ex->gpu ? "the GPU" : "the host emulation", ms,
              static_cast<unsigned long long>(duplicates->load(std::memory_order_acquire)),
              static_cast<unsigned long long>(squares->size()));

  std::fflush(stdout);  // the reader writes to the same stdout
  const std::string count = std::to_string(n);
  const pid_t child = fork();
  if (child < 0) return std::perror("fork"), false;
  if (child == 0) {
    execl(self, self, "--read", name.c_str(), count.c_str(), static_cast<char *>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 && duplicates->load(std::memory_order_acquire) == 0 &&
         work->empty();
}

int run(const char *self) {
  const std::string name = "unimem-shared-containers-" + std::to_string(getpid());
  auto ex = make_executor(name, std::size_t{256} << 20);
  if (!ex) return std::fprintf(stderr, "shared_containers: %s\n", ex.error().what().c_str()), 1;
  const bool ok = run_in(&*ex, name, self);
  (void)ex->region->destroy();  // on every path: no region left behind in /dev/shm
  std::printf("shared_containers: %s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc == 4 && std::strcmp(argv[1], "--read") == 0) return reader(argv[2], std::strtoull(argv[3], nullptr, 10));
  if (argc != 1) return std::fprintf(stderr, "usage: %s\n", argv[0]), 2;
  return run("/proc/self/exe");
}
