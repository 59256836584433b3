// Host launchers for the GPU test kernels. The kernels live in gpu_kernels.cpp, compiled as CUDA or
// HIP; the tests that call these are plain C++ (clang 15's HIP device pass cannot compile
// GoogleTest in C++20 mode, and tests need no device code of their own).
#pragma once

#include "unimem/core/error.hpp"
#include "unimem/thread/atomic.hpp"
#include "unimem/thread/mutex.hpp"
#include "unimem/thread/thread_id.hpp"

namespace unimem::test {

struct ThreadInfo {
  unsigned long long tid;
  unsigned long long warp;
  unsigned lane;
  int tls_ok;
};

/// Each launcher runs its kernel to completion and returns the launch's or the kernel's error.
Result<void> launch_fill(int *p, int n, int mul);  ///< p[i] = i * mul
Result<void> launch_add(int *p, int n, int add);   ///< p[i] += add
/// blocks * threads GPU threads each add 1 per_thread times.
Result<void> launch_atomic_add(Atomic<unsigned long long> *counter, int blocks, int threads, int per_thread);
/// Starts (does not wait for) a kernel whose warps each add 1 per_warp times under the mutex;
/// finish with wait_kernels(). @return the number of increments it will make.
Result<unsigned long long> start_mutex_add(Mutex *m, volatile unsigned long long *counter, int blocks, int threads,
                                           int per_warp);
Result<void> wait_kernels();
/// out[tid] describes each thread of a blocks x threads launch; each sets and reads back its TLS slot.
Result<void> launch_thread_model(ThreadInfo *out, ThreadLocalKey key, int *values, int blocks, int threads);
}  // namespace unimem::test
