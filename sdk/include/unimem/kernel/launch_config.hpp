// LaunchConfig: the shape of a kernel launch, and the limits every backend accepts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "unimem/core/error.hpp"
#include "unimem/kernel/dim3.hpp"

namespace unimem {

/// The limits are CUDA's (HIP's are at least as large), so a configuration the host emulation
/// accepts also launches on a GPU.
inline constexpr std::uint32_t kMaxBlockThreads = 1024;
inline constexpr std::size_t kMaxSharedBytes = std::size_t{48} << 10;  ///< without opt-in attributes

struct LaunchConfig {
  Dim3 grid;
  Dim3 block;
  std::size_t shared_bytes = 0;  ///< dynamic shared memory per block, see kernel::shared_memory()

  /// @brief A 1-d launch of at least @p threads threads in blocks of @p block_threads. More blocks
  /// than a grid holds give a grid that validate() refuses, never a smaller one.
  static LaunchConfig cover(std::uint64_t threads, std::uint32_t block_threads = 256) noexcept {
    const std::uint64_t blocks = block_threads ? threads / block_threads + (threads % block_threads != 0) : 0;
    return {Dim3(blocks > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(blocks)), Dim3(block_threads), 0};
  }

  std::uint64_t thread_count() const noexcept { return grid.count() * block.count(); }
};

/// @brief ok, or invalid_argument naming the dimension that is out of range.
inline Result<void> validate(const LaunchConfig &c) {
  const auto bad = [](const std::string &what) { return Error(Errc::invalid_argument, "launch: " + what); };
  const auto dims = [](Dim3 d) { return std::to_string(d.x) + "x" + std::to_string(d.y) + "x" + std::to_string(d.z); };
  // Each dimension first: products of unchecked ones wrap (and could pass for small counts).
  if (c.grid.x == 0 || c.grid.y == 0 || c.grid.z == 0 || c.block.x == 0 || c.block.y == 0 || c.block.z == 0) {
    return bad("empty grid or block (a dimension is 0)");
  }
  if (c.grid.x > 0x7fffffffu || c.grid.y > 65535 || c.grid.z > 65535) {
    return bad("grid " + dims(c.grid) + " exceeds 2^31-1 x 65535 x 65535");
  }
  if (c.block.x > kMaxBlockThreads || c.block.y > kMaxBlockThreads || c.block.z > 64 ||
      c.block.count() > kMaxBlockThreads) {
    return bad("block " + dims(c.block) + " exceeds " + std::to_string(kMaxBlockThreads) + " threads (z <= 64)");
  }
  if (std::uint64_t n; __builtin_mul_overflow(c.grid.count(), c.block.count(), &n)) {
    return bad("grid x block is more than 2^64 threads");
  }
  if (c.shared_bytes > kMaxSharedBytes) {
    return bad(std::to_string(c.shared_bytes) + " bytes of shared memory exceed " + std::to_string(kMaxSharedBytes));
  }
  return success();
}

}  // namespace unimem
