// Host launchers for the GPU test kernels. The kernels live in gpu_kernels.cpp, compiled as CUDA or
// HIP; the tests that call these are plain C++ (clang 15's HIP device pass cannot compile
// GoogleTest in C++20 mode, and tests need no device code of their own).
#pragma once

#include "unimem/containers/mpmc_queue.hpp"
#include "unimem/containers/unordered_map.hpp"
#include "unimem/core/error.hpp"
#include "unimem/memory/memory_ref.hpp"
#include "unimem/memory/allocator/slab_allocator_ref.hpp"
#include "unimem/memory/pointer_table.hpp"
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
/// *table.resolve(ptrs[i]) = 1000 + i for i < n.
Result<void> launch_resolve(PointerTable table, const ShmPtr<int> *ptrs, int n);

/// Every thread of a blocks x threads launch allocates, stamps, checks and frees `rounds` blocks of
/// 16..256 bytes through @p alloc; *failures counts anything that went wrong.
Result<void> launch_alloc_free(SlabAllocatorRef alloc, int blocks, int threads, int rounds,
                               Atomic<unsigned long long> *failures);

using DeviceMap = unordered_map<unsigned long long, unsigned long long, SlabAllocatorRef>;
using DeviceQueue = mpmc_queue<unsigned long long, SlabAllocatorRef>;

/// Every thread i of a blocks x threads launch inserts (i, 3i), finds it again and probes i + 1;
/// *failures counts wrong answers.
Result<void> launch_map_build_probe(DeviceMap map, int blocks, int threads, Atomic<unsigned long long> *failures);
/// Starts (does not wait for) one GPU thread that pops @p count values from @p q and adds them to
/// *sum, while host threads push; finish with wait_kernels().
Result<void> start_queue_consumer(DeviceQueue q, unsigned long long count, Atomic<unsigned long long> *sum);
/// Every thread adds 1 to element (tid % elements) of an atomic Memory in mapped memory.
Result<void> launch_atomic_memory_add(MemoryRef<unsigned long long, kind::atomic, space::shared> first, int blocks,
                                      int threads);

}  // namespace unimem::test
