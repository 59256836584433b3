// The SDK's own kernels, written once (one .cpp each) and built three ways: by the host compiler
// for the host emulation (unimem_kernels), by nvcc (unimem_kernels_cuda) and by clang as HIP
// (unimem_kernels_hip). Each launcher is specialised for the build that compiled it, so a program
// may link several; a GPU build also runs its kernels on host streams.
//
// Every launcher enqueues on @p stream and returns the launch's error (see unimem/kernel/launch.hpp):
// on an asynchronous stream, synchronize it before reading results. Pointer arguments are addresses
// as the executor sees them (device addresses for a GPU stream). *failures counts wrong answers.
#pragma once

#include <cstdint>

#include "unimem/containers/mpmc_queue.hpp"
#include "unimem/containers/unordered_map.hpp"
#include "unimem/kernel/launch_config.hpp"
#include "unimem/memory/allocator/slab_allocator_ref.hpp"
#include "unimem/memory/array.hpp"
#include "unimem/memory/memory_ref.hpp"
#include "unimem/memory/pointer_table.hpp"
#include "unimem/stream/stream.hpp"
#include "unimem/thread/atomic.hpp"

namespace unimem::kernels {

enum class KernelBuild { host, cuda, hip };

using Counter = Atomic<unsigned long long>;
using DeviceMap = unordered_map<unsigned long long, unsigned long long, SlabAllocatorRef>;
using DeviceQueue = mpmc_queue<unsigned long long, SlabAllocatorRef>;
using AtomicCounts = MemoryRef<unsigned long long, kind::atomic, space::shared>;
using AtomicGrid = ArrayView<unsigned long long, 2, kind::atomic, space::shared>;

/// Every thread allocates, stamps, checks and frees `rounds` blocks of 16..256 bytes through @p alloc.
template <KernelBuild B>
Result<void> alloc_free(const Stream &stream, const LaunchConfig &config, SlabAllocatorRef alloc, int rounds,
                        Counter *failures);

/// Thread i inserts (key_base + i, 3 (key_base + i)), finds it again, and reads i + 1 if present.
template <KernelBuild B>
Result<void> map_build_probe(const Stream &stream, const LaunchConfig &config, DeviceMap map,
                             unsigned long long key_base, Counter *failures);
/// Thread i inserts (key_base + i, 3 (key_base + i)), which must be new: the inserts per second benchmark.
template <KernelBuild B>
Result<void> map_insert(const Stream &stream, const LaunchConfig &config, DeviceMap map, unsigned long long key_base,
                        Counter *failures);
/// Thread i looks up key_base + i (which must be present with value 3 * key); the finds per second
/// benchmark, also a check.
template <KernelBuild B>
Result<void> map_probe(const Stream &stream, const LaunchConfig &config, DeviceMap map, unsigned long long key_base,
                       Counter *failures);

/// Every thread pops @p per_thread values and adds them to *sum; with host producers, the kernel
/// is the consumer side of a host -> device queue.
template <KernelBuild B>
Result<void> queue_consume(const Stream &stream, const LaunchConfig &config, DeviceQueue q,
                           unsigned long long per_thread, Counter *sum);
/// Every thread pushes 1..per_thread: the producer side of a device -> host queue.
template <KernelBuild B>
Result<void> queue_produce(const Stream &stream, const LaunchConfig &config, DeviceQueue q,
                           unsigned long long per_thread);

/// *table.resolve(ptrs[i]) = 1000 + i for i < n.
template <KernelBuild B>
Result<void> resolve_pointers(const Stream &stream, PointerTable table, const ShmPtr<int> *ptrs, int n);

/// Thread t adds 1 to counts[t % size] and to grid(t % rows, t / rows % cols), atomically.
template <KernelBuild B>
Result<void> atomic_add_typed(const Stream &stream, const LaunchConfig &config, AtomicCounts counts, AtomicGrid grid);

/// The launch model's promises, checked from inside a kernel (blocks of any size up to 1024; needs
/// block.count() * 8 bytes of dynamic shared memory, which the launcher sets): the block barrier
/// orders writes, every warp collective agrees with its lanes, and a shared-memory tree reduction
/// gives each block's sum, written to block_sums[block].
template <KernelBuild B>
Result<void> launch_checks(const Stream &stream, Dim3 grid, Dim3 block, unsigned long long *block_sums,
                           Counter *failures);

}  // namespace unimem::kernels
