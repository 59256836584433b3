// gmem: page-granular prefetch and eager free on streams (the libgmem contract, on Linux hosts and
// on CUDA / HIP managed memory), and the current device's heterogeneous NUMA id.
//
//   free_eager(addr, size, stream)        releases the physical pages of every whole page inside the
//                                         range (rounded inward); no whole page inside: success, nothing
//   prefetch(addr, size, hnid, stream)    makes the pages covering the range (rounded outward, clipped
//                                         to what is mapped) resident on node hnid; already resident
//                                         there: the pages are marked hot instead (see hotness())
//
// Streams: the null stream runs the operation now; any other stream runs it in its order, and an error
// raised then is returned by the stream's next synchronize(). Arguments are checked before anything is
// enqueued, so a bad call returns its error at once and changes nothing:
//   invalid_argument  null address, addr + size wraps, page size not a power of two >= the OS page,
//                     a stream of the wrong kind for the memory or the target
//   bad_address       part of [addr, addr + size) is not mapped in this process
//   no_device         hnid names no node of topology()
//   unsupported       a GPU target for memory that GPU cannot prefetch (neither managed nor pageable
//                     memory on a device with pageable access)
//
// Host memory: free_eager is madvise(MADV_DONTNEED) (MADV_FREE by option: private anonymous memory
// only); prefetch is MADV_POPULATE_WRITE (READ by option) then move_pages to the node when the machine
// has more than one. Managed memory (with unimem::cuda / unimem::hip linked): prefetch is the runtime's
// prefetch to the device or host node; free_eager is cudaMemDiscardBatchAsync where every device has
// concurrent managed access, and otherwise nothing (discarding is a permission, so keeping the
// contents is a correct if lazy answer). docs/api/gmem.md has the details.
#pragma once

#include <cstddef>
#include <cstdint>

#include "unimem/core/error.hpp"
#include "unimem/core/units.hpp"
#include "unimem/stream/stream.hpp"

namespace unimem::gmem {

/// libgmem's page: 2 MiB.
inline constexpr std::size_t kDefaultPageSize = 2 * MiB;

enum class FreeMode { dontneed, free };
enum class Access { write, read };

struct FreeEagerOptions {
  std::size_t page_size = kDefaultPageSize;
  FreeMode mode = FreeMode::dontneed;  ///< free: MADV_FREE, pages go only under memory pressure
};

struct PrefetchOptions {
  std::size_t page_size = kDefaultPageSize;
  /// read: populate readable only (private memory maps the zero page). A write prefetch of pages
  /// the caller may only read populates them for reading.
  Access access = Access::write;
};

/// @brief Releases the physical pages of the whole pages inside [addr, addr + size).
Result<void> free_eager(void *addr, std::size_t size, const Stream &stream = {}, const FreeEagerOptions &options = {});

/// @brief Makes the pages covering [addr, addr + size) resident on heterogeneous NUMA node @p hnid.
/// Where the covering gmem page reaches into a neighbouring mapping that refuses the access (a
/// guard page), only the OS pages of the range itself are sure to be brought in, and their being
/// in place already is what counts as hot (with MADV_POPULATE_*, Linux 5.14+).
Result<void> prefetch(const void *addr, std::size_t size, int hnid, const Stream &stream = {},
                      const PrefetchOptions &options = {});

/// @brief The heterogeneous NUMA id of the current device: the current GPU of the first vendor whose
/// library is linked and has a device, otherwise the CPU node the calling thread runs on.
Result<int> numa_id();

/// @brief How many times prefetch found the page of @p page_size that holds @p addr already resident
/// on its target (next to a neighbour that refuses the access, the caller's own pages in it: see
/// prefetch). free_eager of a page resets its count. Thread-safe.
std::uint32_t hotness(const void *addr, std::size_t page_size = kDefaultPageSize);

/// @brief Forgets every hotness count.
void clear_hotness();

}  // namespace unimem::gmem
