// The launch model's promises, checked by a kernel from the inside, so the same checks run on the
// host emulation and on a GPU:
//  - sync_threads orders the block: every thread counts itself in before the barrier and must see
//    the whole block counted after it, in each of several rounds;
//  - warp collectives agree with what each lane contributed (ballot, any, all, shfl);
//  - dynamic shared memory holds a tree reduction whose result is the block's sum.
#include "kernel_build.hpp"

namespace unimem::kernels {

namespace {

constexpr int kRounds = 4;
using BlockCounter = Atomic<unsigned long long, thread_scope::block>;  // in shared memory

struct LaunchChecks {
  unsigned long long *block_sums;
  Counter *failures;

  UNIMEM_HOST_DEVICE void fail() const { failures->fetch_add(1, std::memory_order_relaxed); }

  UNIMEM_HOST_DEVICE void operator()() const {
    auto *shared = this_kernel::shared_memory<unsigned long long>();
    const std::uint32_t rank = this_kernel::thread_rank();
    const std::uint32_t n = static_cast<std::uint32_t>(this_kernel::block_dim().count());

    // Barrier: shared[0] counts arrivals; round r expects (r + 1) * n after the barrier.
    if (rank == 0) shared[0] = 0;
    this_kernel::sync_threads();
    for (int r = 0; r < kRounds; ++r) {
      reinterpret_cast<BlockCounter *>(shared)->fetch_add(1, std::memory_order_relaxed);
      this_kernel::sync_threads();
      if (reinterpret_cast<BlockCounter *>(shared)->load(std::memory_order_relaxed) !=
          static_cast<unsigned long long>(r + 1) * n) {
        fail();
      }
      this_kernel::sync_threads();
    }

    // Warp collectives over the lanes this warp has.
    const std::uint32_t width = this_kernel::warp_size();
    const std::uint32_t lane = this_kernel::lane_index();
    const std::uint32_t lanes = n - rank / width * width < width ? n - rank / width * width : width;
    std::uint64_t odd = 0;
    for (std::uint32_t i = 1; i < lanes; i += 2) odd |= std::uint64_t{1} << i;
    if (this_kernel::ballot(lane % 2 == 1) != odd) fail();
    if (this_kernel::any(lane == lanes - 1) != true) fail();
    if (this_kernel::all(lane < lanes) != true) fail();
    if (lanes > 1 && this_kernel::all(lane != 0) != false) fail();
    const unsigned long long mine = 1000ull * this_kernel::block_index().linear_in(this_kernel::grid_dim()) + lane;
    const std::uint32_t from = (lane + 1) % lanes;
    if (this_kernel::shfl(mine, from) != mine - lane + from) fail();
    this_kernel::sync_warp();

    // Shared-memory tree reduction of (rank + 1) over the block.
    shared[rank] = rank + 1;
    this_kernel::sync_threads();
    for (std::uint32_t stride = 1; stride < n; stride *= 2) {
      const bool adds = rank % (2 * stride) == 0 && rank + stride < n;
      const unsigned long long other = adds ? shared[rank + stride] : 0;
      this_kernel::sync_threads();
      if (adds) shared[rank] += other;
      this_kernel::sync_threads();
    }
    if (rank == 0) block_sums[this_kernel::block_index().linear_in(this_kernel::grid_dim())] = shared[0];
  }
};

}  // namespace

template <>
Result<void> launch_checks<kBuild>(const Stream &stream, Dim3 grid, Dim3 block, unsigned long long *block_sums,
                                   Counter *failures) {
  return launch(stream, LaunchConfig{grid, block, block.count() * sizeof(unsigned long long)},
                LaunchChecks{block_sums, failures});
}

}  // namespace unimem::kernels
