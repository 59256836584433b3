// GlobalMemory: GPI-Space's global (virtual) memory on MPI one-sided communication. A segment is
// one global byte range spread over the ranks of a communicator in equal blocks (rank r holds
// [r * block, (r + 1) * block)); each block is an MPI window held in a passive-target epoch
// (MPI_Win_lock_all) for the segment's life, so any rank reads and writes any range at any time
// without the owner's participation. The owner uses its own block in place (local()).
//
//   memory_get / memory_put   one range, or a memory-get: a list of global ranges to local offsets
//   cached_get                the seed's cached-memory-buffer: a memory-get named by a data id,
//                             served from a WorkerCache, so a worker transfers it once
//
// Transfers are split at rank boundaries and at max_transfer_bytes (MPI counts are int: a transfer
// over 2 GiB is several MPI_Get/MPI_Put). Every argument is checked before the first MPI call, so a
// refused transfer moves nothing. Completion: memory_get returns when the data is in the buffer
// (MPI_Win_flush); memory_put when it is in the target's memory; other ranks see it after the
// next barrier() (which also publishes the owners' local() writes).
//
// Collective calls (create, allocate, free, barrier, the destructor) must be made by every rank of
// the communicator in the same order. The others may be called from any thread; with an MPI
// library below MPI_THREAD_MULTIPLE they are serialised by a mutex (MPI_THREAD_SERIALIZED is the
// minimum). Works with one rank, with or without mpirun.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "unimem/cache/worker_cache.hpp"
#include "unimem/core/error.hpp"

namespace unimem::cache {

/// A segment of a GlobalMemory; the same value names the same segment on every rank.
struct SegmentHandle {
  std::uint32_t id = 0;  ///< 0: no segment
  friend constexpr bool operator==(SegmentHandle, SegmentHandle) noexcept = default;
};

/// Bytes [offset, offset + size) of a segment.
struct GlobalRange {
  SegmentHandle segment;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

/// One piece of a memory-get: a global range copied to local_offset of the local buffer.
struct Transfer {
  GlobalRange global;
  std::size_t local_offset = 0;
};

struct GlobalMemoryOptions {
  /// The largest single MPI_Get / MPI_Put (MPI_BYTE counts are int); larger transfers are split.
  std::size_t max_transfer_bytes = (std::size_t{1} << 31) - 4096;
};

/// What this rank transferred (counted as issued; a refused call counts nothing).
struct TransferStats {
  std::uint64_t gets = 0;       ///< memory_get calls (a cached_get that missed is one)
  std::uint64_t puts = 0;       ///< memory_put calls
  std::uint64_t mpi_gets = 0;   ///< MPI_Get operations issued
  std::uint64_t mpi_puts = 0;   ///< MPI_Put operations issued
  std::uint64_t bytes_got = 0;
  std::uint64_t bytes_put = 0;
};

class GlobalMemory {
 public:
  /// @brief Collective over @p comm (duplicated, so its traffic is private). MPI must be initialized
  /// with at least MPI_THREAD_SERIALIZED (MpiSession does it).
  static Result<GlobalMemory> create(MPI_Comm comm = MPI_COMM_WORLD, GlobalMemoryOptions options = {});

  /// A moved-from GlobalMemory refuses every call (invalid_argument), has rank -1 and 0 ranks.
  GlobalMemory(GlobalMemory &&) noexcept;
  GlobalMemory &operator=(GlobalMemory &&) noexcept;
  /// Collective: frees the segments left.
  ~GlobalMemory();

  int rank() const noexcept;
  int ranks() const noexcept;

  /// @brief Collective: a zero-filled segment of @p bytes over all ranks. Every rank must pass the
  /// same size (invalid_argument on every rank otherwise, nothing allocated), and a rank's block
  /// may not pass 2^47 bytes. If MPI fails to allocate on some ranks only, the communicator is
  /// left as MPI leaves it (MPI defines no recovery from a failed collective).
  Result<SegmentHandle> allocate(std::uint64_t bytes);
  /// @brief Collective: frees @p segment (its ranges become invalid on every rank). Transfers that
  /// other threads of this rank started on it first finish before its windows go; later ones get
  /// not_found.
  Result<void> free(SegmentHandle segment);
  /// @brief The segment's size in bytes, or not_found.
  Result<std::uint64_t> size(SegmentHandle segment) const;
  /// @brief This rank's block of @p segment, to use in place; its first byte is at global offset
  /// local_offset(segment). Empty on ranks past the end of a small segment.
  Result<std::span<std::byte>> local(SegmentHandle segment) const;
  Result<std::uint64_t> local_offset(SegmentHandle segment) const;

  /// @brief Copies @p src to @p dst (src.size bytes); returns when they are there.
  Result<void> memory_get(const GlobalRange &src, void *dst);
  /// @brief The seed's memory-get: every transfer into @p buffer at its local offset.
  Result<void> memory_get(std::span<const Transfer> transfers, std::span<std::byte> buffer);
  /// @brief Copies @p src (dst.size bytes) to @p dst; returns when they are in the target's memory.
  Result<void> memory_put(const void *src, const GlobalRange &dst);

  /// @brief A cached-memory-buffer of @p size bytes named @p id, filled by the memory-get
  /// @p transfers on a miss of @p cache. The transfer list is part of the entry's identity: the
  /// same id with another size or another list is invalid_argument. Device placement goes through a
  /// page-locked buffer of the cache's stream.
  Result<CacheHandle> cached_get(WorkerCache &cache, DataId id, std::size_t size, std::span<const Transfer> transfers,
                                 AcquireOptions options = {});

  /// @brief Collective: puts done before it, and owners' writes to local(), are visible to every
  /// rank after it.
  Result<void> barrier();

  TransferStats stats() const;
  /// @brief The duplicated communicator (for the application's own collectives).
  MPI_Comm communicator() const noexcept;

 private:
  struct Impl;
  explicit GlobalMemory(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace unimem::cache
