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

}  // namespace unimem::test
