// The in-region layout shared by the slab allocators (ThreadLocalAllocator, ScalablePageAllocator).
// Everything here lives in the region, so every process that maps it and every kernel that sees it
// works on the same structures; pointers are region offsets or page indices, never addresses.
//
//   region base (offset 0)     RegionHeader (4 KiB)
//   + 4 KiB                    HeapHeader
//   desc_offset                PageDesc[npages]                  one per 64 KiB heap page
//   slot_offset                CacheSlot[host_slots + shared_slots]
//   bitmap_offset (optional)   one bit per 16-byte granule of the heap: "block allocated"
//   heap_offset (64 KiB mult.) page 0, page 1, ... page npages-1
//
// Page runs. A run is a sequence of pages handed out as one unit: a span (blocks of one size class)
// or a large block. Its first page's descriptor is the head (run_pages = length); every other page
// is a tail whose `first` names the head. Free runs keep a head and, when longer than one page, a
// free tail on their last page pointing back, so freeing a run finds both neighbours in O(1)
// (boundary tags) and coalesces. Pages at or above fresh_next were never used.
//
// Span ownership (ThreadLocalAllocator). A span head's state is one of:
//   owned(slot)  one cache slot allocates from it and pushes its own frees to local_free, with no
//                atomics (owner-only fields: local_free, bump, used, owned_next); a slot owns per
//                class its current span and up to kOwnedSpansPerClass more
//   full         no owner, and no free block known when its owner let it go
//   available    on its class's central stack, with free blocks (local or remote)
// Frees by anyone else (another thread, process or GPU thread) push onto thread_free, a push-only
// lock-free stack [count:16 | offset:48] that the owner takes whole with one exchange. A remote free
// that finds the span full makes it available and pushes it onto the central stack (tagged head:
// [tag:32 | page+1:32], so a stale pop fails its CAS: no ABA).
#pragma once

#include <cstddef>
#include <cstdint>

#include "unimem/core/config.hpp"
#include "unimem/memory/allocator/size_classes.hpp"
#include "unimem/thread/atomic.hpp"
#include "unimem/thread/mutex.hpp"

namespace unimem::detail {

inline constexpr std::uint64_t kHeapMagic = 0x50414548494e55ull;  // "UNIHEAP"
inline constexpr std::uint32_t kHeapLayoutVersion = 2;
inline constexpr std::uint32_t kNoPage = 0;  ///< page references are index + 1
inline constexpr std::uint64_t kOffsetMask = (std::uint64_t{1} << 48) - 1;
inline constexpr std::uint64_t kNullLink = kOffsetMask;  ///< end of a block free list
inline constexpr std::uint32_t kFreeBins = 32;

enum class PageState : std::uint32_t {
  unused = 0,      ///< at or above fresh_next
  free_head = 1,   ///< first page of a free run
  free_tail = 2,   ///< last page of a free run of two or more pages
  span_owned = 3,  ///< span head; owner slot in the upper 24 bits
  span_full = 4,
  span_available = 5,
  large = 6,       ///< head of a large block
  tail = 7,        ///< a non-head page of a span or large block
};

/// Whether a heap at @p base serves @p alignment: a power of two up to 2 MiB, and no more than the
/// base address's own (offsets are aligned; addresses only as far as the base is, and an
/// ArrayBackend's base need only be 64-byte aligned).
UNIMEM_HOST_DEVICE constexpr bool servable_alignment(std::uintptr_t base, std::size_t alignment) noexcept {
  return alignment != 0 && (alignment & (alignment - 1)) == 0 && alignment <= (std::size_t{2} << 20) &&
         (base & (alignment - 1)) == 0;
}

/// Cache slots a heap may have: a page's state word keeps its owner slot in 24 bits.
inline constexpr std::uint64_t kMaxCacheSlots = std::uint64_t{1} << 24;
UNIMEM_HOST_DEVICE constexpr std::uint32_t make_state(PageState s, std::uint32_t owner = 0) noexcept {
  return static_cast<std::uint32_t>(s) | (owner << 8);
}
UNIMEM_HOST_DEVICE constexpr PageState state_kind(std::uint32_t word) noexcept {
  return static_cast<PageState>(word & 0xff);
}

enum class HeapKind : std::uint32_t { thread_local_allocator = 1, scalable_page_allocator = 2 };

enum class CheckLevel : std::uint32_t {
  cheap = 0,  ///< range, page state and block-boundary checks: catches foreign pointers, double frees of page
              ///< runs, and in the owner's own spans blocks never handed out and the head of its free list
              ///< (an immediate double free)
  full = 1,   ///< plus an allocated-bit per block: catches every double free (an atomic RMW per operation)
};

struct alignas(64) PageDesc {
  Atomic<std::uint32_t> state;
  std::uint32_t run_pages;  ///< head: pages in the run
  std::uint32_t first;      ///< tails (and free tails): head page index
  std::uint32_t size_class;
  std::uint32_t capacity;   ///< span: blocks
  std::uint32_t bump;       ///< span (owner): blocks [bump, capacity) never handed out
  Atomic<std::uint32_t> used;  ///< span: blocks handed out and not taken back (written by the owner only)
  union {  // a page is a free run head or a span head, never both; each is written before read
    std::uint32_t run_prev;    ///< free head: bin list links (page + 1), under the heap lock
    std::uint32_t owned_next;  ///< span (owner): next span of the owner's list for this class (page + 1)
  };
  std::uint32_t run_next;
  Atomic<std::uint32_t> central_next;  ///< span on a central stack: next span (page + 1)
  std::uint64_t local_free;            ///< span (owner): first free block, kNullLink if none
  Atomic<std::uint64_t> thread_free;   ///< span: remote frees [count:16 | offset:48]
  std::uint64_t large_bytes;           ///< large: bytes requested
};
static_assert(sizeof(PageDesc) == 64);

/// A cache keeps, per class, its current span and up to this many more it owns, so that a thread
/// freeing what it allocated a while ago still frees into its own spans, without atomics.
inline constexpr std::uint32_t kOwnedSpansPerClass = 3;

/// A cache: the spans one thread (or one GPU thread at a time) allocates from, and its counters.
struct alignas(64) CacheSlot {
  Mutex owner;  ///< held for good by a host thread, or for one operation on shared slots
  std::uint32_t current[size_classes::kCount];  ///< span allocated from, per class (page + 1), owner only
  std::uint32_t owned[size_classes::kCount];    ///< other spans kept, per class (list through owned_next)
  Atomic<std::uint64_t> pending_live;           ///< signed bytes not yet added to HeapHeader::live_bytes
  Atomic<std::uint64_t> pending_peak;           ///< signed: the highest pending_live since the last flush
};

struct HeapHeader {
  std::uint64_t magic;
  std::uint32_t layout_version;
  std::uint32_t kind;  ///< HeapKind
  std::uint32_t allocator_id;
  std::uint32_t checks;  ///< CheckLevel
  std::uint32_t npages;
  std::uint32_t host_slots;
  std::uint32_t shared_slots;
  std::uint32_t reserved0;
  std::uint64_t desc_offset;
  std::uint64_t slot_offset;
  std::uint64_t bitmap_offset;  ///< 0 without full checks
  std::uint64_t heap_offset;

  Mutex lock;                    ///< page runs (and every ScalablePageAllocator operation)
  std::uint32_t fresh_next;      ///< under lock
  std::uint32_t bins[kFreeBins];  ///< free runs of [2^b, 2^(b+1)) pages (page + 1), under lock
  Atomic<std::uint64_t> central[size_classes::kCount];
  Atomic<std::uint64_t> pages_in_use;  ///< written under lock
  Atomic<std::uint64_t> peak_pages;
  Atomic<std::uint64_t> large_live_bytes;
  Atomic<std::uint64_t> large_blocks;
  Atomic<std::uint64_t> live_bytes;  ///< signed (two's complement); small blocks, flushed from slots
  Atomic<std::uint64_t> peak_live_bytes;
  Atomic<std::uint32_t> lock_recoveries;  ///< times the heap lock was taken over from a dead process
  Atomic<std::uint64_t> root;  ///< offset of the region's root object (containers' Directory); 0 before it exists
};

/// Trivially copyable view of a heap, valid in the process (or on the device) whose base it holds.
/// It copies the header's immutable geometry so the fast paths need not load it through `h`.
struct HeapView {
  char *base = nullptr;
  HeapHeader *h = nullptr;
  PageDesc *desc = nullptr;
  CacheSlot *slots = nullptr;
  Atomic<std::uint64_t> *bitmap = nullptr;
  std::uint64_t heap_offset = 0;
  std::uint32_t npages = 0;

  UNIMEM_HOST_DEVICE static HeapView at(char *region_base, std::uint64_t header_offset) noexcept {
    HeapView v;
    v.base = region_base;
    v.h = reinterpret_cast<HeapHeader *>(region_base + header_offset);
    v.desc = reinterpret_cast<PageDesc *>(region_base + v.h->desc_offset);
    v.slots = reinterpret_cast<CacheSlot *>(region_base + v.h->slot_offset);
    v.bitmap = v.h->bitmap_offset ? reinterpret_cast<Atomic<std::uint64_t> *>(region_base + v.h->bitmap_offset)
                                  : nullptr;
    v.heap_offset = v.h->heap_offset;
    v.npages = v.h->npages;
    return v;
  }
  UNIMEM_HOST_DEVICE std::uint64_t page_offset(std::uint32_t page) const noexcept {
    return heap_offset + (std::uint64_t{page} << size_classes::kPageShift);
  }
  /// @return the page holding @p off, or npages when off is outside the heap (one unsigned compare).
  UNIMEM_HOST_DEVICE std::uint32_t page_of(std::uint64_t off) const noexcept {
    const std::uint64_t p = (off - heap_offset) >> size_classes::kPageShift;
    return p < npages ? static_cast<std::uint32_t>(p) : npages;
  }
  /// Owner-only counter update: a relaxed load and store, which another process may read.
  UNIMEM_HOST_DEVICE static void add_used(PageDesc &d, std::int32_t delta) noexcept {
    d.used.store(d.used.load(std::memory_order_relaxed) + static_cast<std::uint32_t>(delta), std::memory_order_relaxed);
  }
  /// The first 8 bytes of a free block hold the next block's offset.
  UNIMEM_HOST_DEVICE std::uint64_t &link(std::uint64_t block_off) const noexcept {
    return *reinterpret_cast<std::uint64_t *>(base + block_off);
  }
};
static_assert(std::is_trivially_copyable_v<HeapView>);

}  // namespace unimem::detail
