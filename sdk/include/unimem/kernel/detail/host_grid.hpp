// The host emulation of a kernel launch (sdk/src/kernel/host_grid.cpp), and the calling emulated
// thread's place in it, which the kernel:: functions read in host code.
//
// A launch runs its blocks on teams of OS threads, one thread per emulated thread: up to
// kHostTeams blocks at once (fewer when their threads would exceed kHostThreadBudget), each team
// taking the next block when its previous one is done. Block barriers and warp collectives are real
// barriers between those threads; a thread that returns leaves them (as on the GPU).
#pragma once

#include <cstdint>

#include "unimem/core/config.hpp"
#include "unimem/core/error.hpp"
#include "unimem/kernel/dim3.hpp"
#include "unimem/kernel/launch_config.hpp"

namespace unimem::detail {

inline constexpr std::uint32_t kHostWarpSize = 32;
inline constexpr std::uint32_t kHostTeams = 8;             ///< blocks in flight at most
inline constexpr std::uint32_t kHostThreadBudget = 2048;  ///< emulated threads alive at most (>= one block)

class HostTeam;

struct HostThread {
  Dim3 thread_index, block_index, block_dim, grid_dim;
  std::uint32_t rank;  ///< thread_index linearised in the block
  HostTeam *team;
};

/// The emulated thread running on this OS thread; null outside a host-emulated kernel.
inline thread_local const HostThread *current_host_thread = nullptr;

void host_sync_threads(const HostThread &t);
void *host_shared_memory(const HostThread &t);

enum class WarpOp : std::uint8_t { sync, ballot, shfl };
/// A warp collective: every live lane of the warp deposits @p value and gets back the ballot of the
/// deposits, lane @p src's deposit (shfl), or 0 (sync).
std::uint64_t host_warp_collective(const HostThread &t, WarpOp op, std::uint64_t value, std::uint32_t src);

using HostKernelBody = void (*)(const void *closure);
/// Runs @p body(closure) on every thread of the grid and returns when all are done: the first
/// exception a thread throws, or a thread that could not be started, comes back as an Error (and
/// the blocks not yet started are skipped). @p c must pass validate().
Result<void> run_host_grid(const LaunchConfig &c, HostKernelBody body, const void *closure);

}  // namespace unimem::detail
