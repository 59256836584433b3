// The GPU test kernels and their launchers, compiled as CUDA (nvcc) or HIP (clang) for the vendor
// named by UNIMEM_TEST_VENDOR.
#include "gpu_kernels.hpp"

#include "unimem/memory/detail/gpu_runtime.hpp"
#include "unimem/thread/this_thread.hpp"

namespace unimem::test {

namespace {

using Rt = detail::GpuRuntime<GpuVendor::UNIMEM_TEST_VENDOR>;

Result<void> finish() {
  if (auto launched = Rt::last_launch_error(); !launched) return launched;
  return Rt::synchronize();
}

UNIMEM_GLOBAL void fill_kernel(int *p, int n, int mul) {
  const auto i = this_thread::id().value;
  if (i < static_cast<unsigned long long>(n)) p[i] = static_cast<int>(i) * mul;
}

UNIMEM_GLOBAL void add_kernel(int *p, int n, int add) {
  const auto i = this_thread::id().value;
  if (i < static_cast<unsigned long long>(n)) p[i] += add;
}

UNIMEM_GLOBAL void atomic_add_kernel(Atomic<unsigned long long> *counter, int per_thread) {
  for (int i = 0; i < per_thread; ++i) counter->fetch_add(1, std::memory_order_relaxed);
}

// One lane per warp takes the lock: AMD wavefronts run in lock step, so a per-lane spin lock could
// livelock there (see mutex.hpp).
UNIMEM_GLOBAL void mutex_add_kernel(Mutex *m, volatile unsigned long long *counter, int per_warp) {
  if (this_thread::lane_id() != 0) return;
  for (int i = 0; i < per_warp; ++i) {
    ScopedLock guard(*m);
    *counter = *counter + 1;
  }
}

UNIMEM_GLOBAL void thread_model_kernel(ThreadInfo *out, ThreadLocalKey key, int *values) {
  const auto tid = this_thread::id().value;
  out[tid].tid = tid;
  out[tid].warp = this_thread::warp_id();
  out[tid].lane = this_thread::lane_id();
  const bool stored = this_thread::set_tls(key, values + tid);
  out[tid].tls_ok = stored && this_thread::get_tls<int>(key) == values + tid;
}

UNIMEM_GLOBAL void resolve_kernel(PointerTable table, const ShmPtr<int> *ptrs, int n) {
  const auto i = this_thread::id().value;
  if (i < static_cast<unsigned long long>(n)) {
    if (int *p = table.resolve(ptrs[i])) *p = 1000 + static_cast<int>(i);
  }
}

UNIMEM_GLOBAL void alloc_free_kernel(SlabAllocatorRef alloc, int rounds, Atomic<unsigned long long> *failures) {
  const auto tid = this_thread::id().value;
  for (int r = 0; r < rounds; ++r) {
    const std::size_t bytes = 16 + ((tid + r) % 16) * 16;
    const OffsetPtr<void> p = alloc.allocate_offset(MemContext{}, bytes);
    if (p.is_null()) {
      failures->fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    auto *words = reinterpret_cast<unsigned long long *>(alloc.base() + p.offset());
    for (std::size_t i = 0; i < bytes / 8; ++i) words[i] = tid * 1000 + r;
    for (std::size_t i = 0; i < bytes / 8; ++i)
      if (words[i] != tid * 1000 + r) failures->fetch_add(1, std::memory_order_relaxed);
    if (alloc.free_offset(MemContext{}, p) != Errc::ok) failures->fetch_add(1, std::memory_order_relaxed);
  }
}

UNIMEM_GLOBAL void map_build_probe_kernel(DeviceMap map, Atomic<unsigned long long> *failures) {
  const auto i = this_thread::id().value;
  if (!map.emplace(i, 3 * i).second) failures->fetch_add(1, std::memory_order_relaxed);
  auto it = map.find(i);
  if (it == map.end() || it->second != 3 * i) failures->fetch_add(1, std::memory_order_relaxed);
  unsigned long long next = 0;
  if (map.get(i + 1, next) && next != 3 * (i + 1)) failures->fetch_add(1, std::memory_order_relaxed);
}

UNIMEM_GLOBAL void queue_consumer_kernel(DeviceQueue q, unsigned long long count, Atomic<unsigned long long> *sum) {
  unsigned long long total = 0;
  for (unsigned long long i = 0; i < count; ++i) total += q.pop();
  sum->fetch_add(total, std::memory_order_release);
}

UNIMEM_GLOBAL void atomic_memory_add_kernel(MemoryRef<unsigned long long, kind::atomic, space::shared> first) {
  const auto i = this_thread::id().value;
  const auto r = first.at(i % first.memory_size());
  if (!r.is_null()) r.fetch_add(1, std::memory_order_relaxed);
}

int blocks_for(int n, int threads) { return (n + threads - 1) / threads; }

}  // namespace

Result<void> launch_fill(int *p, int n, int mul) {
  fill_kernel<<<blocks_for(n, 256), 256>>>(p, n, mul);
  return finish();
}

Result<void> launch_add(int *p, int n, int add) {
  add_kernel<<<blocks_for(n, 256), 256>>>(p, n, add);
  return finish();
}

Result<void> launch_atomic_add(Atomic<unsigned long long> *counter, int blocks, int threads, int per_thread) {
  atomic_add_kernel<<<blocks, threads>>>(counter, per_thread);
  return finish();
}

Result<unsigned long long> start_mutex_add(Mutex *m, volatile unsigned long long *counter, int blocks, int threads,
                                           int per_warp) {
  auto warp = Rt::warp_size();
  if (!warp) return warp.error();
  mutex_add_kernel<<<blocks, threads>>>(m, counter, per_warp);
  if (auto launched = Rt::last_launch_error(); !launched) return launched.error();
  return static_cast<unsigned long long>(blocks) * ((threads + *warp - 1) / *warp) * per_warp;
}

Result<void> wait_kernels() { return Rt::synchronize(); }

Result<void> launch_thread_model(ThreadInfo *out, ThreadLocalKey key, int *values, int blocks, int threads) {
  thread_model_kernel<<<blocks, threads>>>(out, key, values);
  return finish();
}

Result<void> launch_resolve(PointerTable table, const ShmPtr<int> *ptrs, int n) {
  resolve_kernel<<<blocks_for(n, 256), 256>>>(table, ptrs, n);
  return finish();
}

Result<void> launch_alloc_free(SlabAllocatorRef alloc, int blocks, int threads, int rounds,
                               Atomic<unsigned long long> *failures) {
  alloc_free_kernel<<<blocks, threads>>>(alloc, rounds, failures);
  return finish();
}

Result<void> launch_map_build_probe(DeviceMap map, int blocks, int threads, Atomic<unsigned long long> *failures) {
  map_build_probe_kernel<<<blocks, threads>>>(map, failures);
  return finish();
}

Result<void> start_queue_consumer(DeviceQueue q, unsigned long long count, Atomic<unsigned long long> *sum) {
  queue_consumer_kernel<<<1, 1>>>(q, count, sum);
  return Rt::last_launch_error();
}

Result<void> launch_atomic_memory_add(MemoryRef<unsigned long long, kind::atomic, space::shared> first, int blocks,
                                      int threads) {
  atomic_memory_add_kernel<<<blocks, threads>>>(first);
  return finish();
}

}  // namespace unimem::test
