// SlabHeap: the allocation engine over a heap's in-region structures (heap_layout.hpp), for the
// caller that holds cache slot `slot`. Trivially copyable; every operation is UNIMEM_HOST_DEVICE, so
// host threads of any process and GPU threads run the same code.
//
// Holding a slot means: no other thread uses it until released (a host thread binds one for its
// lifetime; GPU threads and explicit thread ids lock a shared slot per operation). Under that rule
// the owner-only span fields need no atomics.
//
// Small fast paths (the slot's current span has a free block):
//   allocate: pop local_free (2 loads, 2 stores) + counters
//   free by the owner: state check (1 load) + push local_free (2 stores) + counters
// Everything else (collecting remote frees, changing spans, page runs) is the slow path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "unimem/core/config.hpp"
#include "unimem/memory/allocator/detail/heap_layout.hpp"
#include "unimem/memory/allocator/detail/page_runs.hpp"

namespace unimem::detail {

enum class FreeStatus : std::uint8_t {
  ok,
  foreign,      ///< not a block of this heap (outside it, misaligned, or in no live span or run)
  double_free,  ///< a block of this heap that is not allocated (detected with CheckLevel::full)
};

struct SlabHeap {
  HeapView v;

  /// Pages for @p bytes, rounded up without overflowing for sizes near 2^64.
  UNIMEM_HOST_DEVICE static std::uint64_t pages_for(std::uint64_t bytes) noexcept {
    return (bytes >> size_classes::kPageShift) + ((bytes & (size_classes::kPageSize - 1)) != 0);
  }

  // ---------------------------------------------------------------- spans

  /// Takes the remote frees of a span whose local list is empty. @return whether there were any.
  UNIMEM_HOST_DEVICE bool collect(PageDesc &d) const noexcept {
    const std::uint64_t w = d.thread_free.exchange(kNullLink, std::memory_order_acquire);
    if ((w & kOffsetMask) == kNullLink) return false;
    d.local_free = w & kOffsetMask;
    HeapView::add_used(d, -static_cast<std::int32_t>(w >> 48));
    return true;
  }

  /// @return a block of the span (local list, then remote frees, then never-used blocks), or kNullLink.
  UNIMEM_HOST_DEVICE std::uint64_t pop(PageDesc &d, std::uint32_t page) const noexcept {
    if (d.local_free == kNullLink && !collect(d)) {
      if (d.bump == d.capacity) return kNullLink;
      HeapView::add_used(d, 1);
      return v.page_offset(page) + std::uint64_t{d.bump++} * size_classes::class_size(d.size_class);
    }
    const std::uint64_t off = d.local_free;
    d.local_free = v.link(off);
    HeapView::add_used(d, 1);
    return off;
  }

  UNIMEM_HOST_DEVICE void push_remote(PageDesc &d, std::uint64_t off) const noexcept {
    std::uint64_t w = d.thread_free.load(std::memory_order_relaxed);
    do {
      v.link(off) = w & kOffsetMask;
    } while (!d.thread_free.compare_exchange_weak(w, (((w >> 48) + 1) << 48) | off, std::memory_order_seq_cst));
  }

  UNIMEM_HOST_DEVICE void push_central(std::uint32_t c, std::uint32_t page) const noexcept {
    Atomic<std::uint64_t> &head = v.h->central[c];
    std::uint64_t h = head.load(std::memory_order_relaxed);
    do {
      v.desc[page].central_next.store(static_cast<std::uint32_t>(h), std::memory_order_relaxed);
    } while (!head.compare_exchange_weak(h, (((h >> 32) + 1) << 32) | (page + 1), std::memory_order_release));
  }

  /// @return a span from class @p c's central stack, or npages when it is empty.
  UNIMEM_HOST_DEVICE std::uint32_t pop_central(std::uint32_t c) const noexcept {
    Atomic<std::uint64_t> &head = v.h->central[c];
    std::uint64_t h = head.load(std::memory_order_acquire);
    while (static_cast<std::uint32_t>(h) != kNoPage) {
      const std::uint32_t page = static_cast<std::uint32_t>(h) - 1;
      const std::uint32_t next = v.desc[page].central_next.load(std::memory_order_relaxed);
      // The tag in the upper half changes on every push and pop, so a stale `next` fails here.
      if (head.compare_exchange_weak(h, (((h >> 32) + 1) << 32) | next, std::memory_order_acquire)) return page;
    }
    return v.npages;
  }

  /// The owner lets go of a span with no free block it knows of. Dekker-style with remote frees
  /// (both sides seq_cst): either this sees their push and keeps the span, or they see `full` and
  /// make it available. @return true if the span is still the caller's.
  UNIMEM_HOST_DEVICE bool release_full(PageDesc &d, std::uint32_t slot) const noexcept {
    d.state.store(make_state(PageState::span_full), std::memory_order_seq_cst);
    if (d.thread_free.load(std::memory_order_seq_cst) == kNullLink) return false;
    std::uint32_t expected = make_state(PageState::span_full);
    return d.state.compare_exchange_strong(expected, make_state(PageState::span_owned, slot), std::memory_order_seq_cst);
  }

  /// The owner lets go of a span that has room: onto the central stack for the next taker.
  UNIMEM_HOST_DEVICE void release_available(PageDesc &d, std::uint32_t page) const noexcept {
    d.state.store(make_state(PageState::span_available), std::memory_order_release);
    push_central(d.size_class, page);
  }

  /// A fresh span of class @p c owned by @p slot, or npages when the heap is full.
  UNIMEM_HOST_DEVICE std::uint32_t new_span(std::uint32_t c, std::uint32_t slot) const noexcept {
    const std::uint32_t pages = size_classes::span_pages(c);
    lock_heap(v);
    const std::uint32_t head = alloc_run(v, pages);
    if (head != v.npages) {
      PageDesc &d = v.desc[head];
      d.size_class = c;
      d.capacity = static_cast<std::uint32_t>((std::uint64_t{pages} << size_classes::kPageShift) /
                                              size_classes::class_size(c));
      d.bump = 0;
      d.used.store(0, std::memory_order_relaxed);
      d.local_free = kNullLink;
      d.thread_free.store(kNullLink, std::memory_order_relaxed);
      d.central_next.store(kNoPage, std::memory_order_relaxed);
      mark_run_tails(v, head, pages);
      d.state.store(make_state(PageState::span_owned, slot), std::memory_order_release);
    }
    v.h->lock.unlock();
    return head;
  }

  /// Whether an owned span has no block outstanding (remote frees not yet collected count as free).
  UNIMEM_HOST_DEVICE static bool span_empty(const PageDesc &d) noexcept {
    return d.used.load(std::memory_order_relaxed) ==
           static_cast<std::uint32_t>(d.thread_free.load(std::memory_order_acquire) >> 48);
  }

  UNIMEM_HOST_DEVICE void free_span(std::uint32_t page) const noexcept {
    lock_heap(v);
    // Mark it free first: should it merge into its left neighbour, a dangling pointer into it must
    // still be seen as foreign, not as a block of a live span.
    v.desc[page].state.store(make_state(PageState::free_head), std::memory_order_relaxed);
    free_run(v, page, v.desc[page].run_pages);
    v.h->lock.unlock();
  }

  /// Gives up one owned span: empty ones go to the page heap, the rest to their class.
  UNIMEM_HOST_DEVICE void release_span(std::uint32_t slot, std::uint32_t page) const noexcept {
    PageDesc &d = v.desc[page];
    if (span_empty(d)) {
      free_span(page);
    } else if (d.local_free != kNullLink || d.bump < d.capacity) {
      release_available(d, page);
    } else if (release_full(d, slot)) {  // remote frees arrived meanwhile: it has room after all
      release_available(d, page);
    }
  }

  /// Gives back every span of @p slot.
  UNIMEM_HOST_DEVICE void release_slot(std::uint32_t slot) const noexcept {
    CacheSlot &s = v.slots[slot];
    // Each span leaves the cache's lists before it is released: a process killed in the middle
    // leaks a span at worst, and never leaves one listed that is already released.
    for (std::uint32_t c = 0; c < size_classes::kCount; ++c) {
      if (const std::uint32_t cur = s.current[c]; cur != kNoPage) {
        s.current[c] = kNoPage;
        release_span(slot, cur - 1);
      }
      while (const std::uint32_t r = s.owned[c]) {
        s.owned[c] = v.desc[r - 1].owned_next;
        release_span(slot, r - 1);
      }
    }
    flush_live(slot);
  }

  /// Frees to the page heap every empty span the caller's cache owns and every empty span on the
  /// central stacks, so that memory one class no longer needs serves another. Run when the heap is
  /// out of pages. @return the pages freed.
  UNIMEM_HOST_DEVICE std::uint32_t reclaim_empty_spans(std::uint32_t slot) const noexcept {
    std::uint32_t freed = 0;
    CacheSlot &s = v.slots[slot];
    for (std::uint32_t c = 0; c < size_classes::kCount; ++c) {
      for (std::uint32_t *link = &s.owned[c]; *link != kNoPage;) {
        const std::uint32_t page = *link - 1;
        if (!span_empty(v.desc[page])) {
          link = &v.desc[page].owned_next;
          continue;
        }
        *link = v.desc[page].owned_next;
        freed += v.desc[page].run_pages;
        free_span(page);
      }
      if (const std::uint32_t cur = s.current[c]; cur != kNoPage && span_empty(v.desc[cur - 1])) {
        s.current[c] = kNoPage;
        freed += v.desc[cur - 1].run_pages;
        free_span(cur - 1);
      }
      std::uint32_t mine = kNoPage;  // spans popped here, chained through central_next
      for (std::uint32_t page; (page = pop_central(c)) != v.npages;) {
        v.desc[page].state.store(make_state(PageState::span_owned, slot), std::memory_order_relaxed);
        v.desc[page].central_next.store(mine, std::memory_order_relaxed);
        mine = page + 1;
      }
      while (mine != kNoPage) {
        const std::uint32_t page = mine - 1;
        PageDesc &d = v.desc[page];
        mine = d.central_next.load(std::memory_order_relaxed);
        if (span_empty(d)) {
          freed += d.run_pages;
          free_span(page);
        } else {
          release_available(d, page);
        }
      }
    }
    return freed;
  }

  // ---------------------------------------------------------------- counters

  /// Raises the heap's peak to @p candidate (signed bytes).
  UNIMEM_HOST_DEVICE void raise_peak(std::uint64_t candidate) const noexcept {
    std::uint64_t peak = v.h->peak_live_bytes.load(std::memory_order_relaxed);
    while (static_cast<std::int64_t>(candidate) > static_cast<std::int64_t>(peak) &&
           !v.h->peak_live_bytes.compare_exchange_weak(peak, candidate, std::memory_order_relaxed)) {
    }
  }

  /// Moves the slot's pending live bytes into the heap's total. Called on slow paths only (a span
  /// change, a page run, a cache release), so the fast path touches no shared counter. The peak is
  /// the total at a flush plus the slot's highest pending value since the previous one: exact while
  /// one cache is active, otherwise within a span's worth of bytes per active cache.
  UNIMEM_HOST_DEVICE void flush_live(std::uint32_t slot) const noexcept {
    CacheSlot &s = v.slots[slot];
    const std::uint64_t p = s.pending_live.load(std::memory_order_relaxed);
    const std::uint64_t peak_pending = s.pending_peak.load(std::memory_order_relaxed);
    s.pending_live.store(0, std::memory_order_relaxed);
    s.pending_peak.store(0, std::memory_order_relaxed);
    const std::uint64_t before = v.h->live_bytes.fetch_add(p, std::memory_order_relaxed);
    raise_peak(before + peak_pending);
    raise_peak(before + p);
  }

  UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE void add_live(std::uint32_t slot, std::int64_t bytes) const noexcept {
    CacheSlot &s = v.slots[slot];
    const std::uint64_t now = s.pending_live.load(std::memory_order_relaxed) + static_cast<std::uint64_t>(bytes);
    s.pending_live.store(now, std::memory_order_relaxed);
    if (bytes > 0 && static_cast<std::int64_t>(now) > static_cast<std::int64_t>(s.pending_peak.load(std::memory_order_relaxed))) {
      s.pending_peak.store(now, std::memory_order_relaxed);
    }
  }

  // ---------------------------------------------------------------- checks

  /// Finds the run holding block @p off. @return its kind (small / large) and head, or foreign.
  UNIMEM_HOST_DEVICE PageState classify(std::uint64_t off, std::uint32_t &head) const noexcept {
    std::uint32_t p = v.page_of(off);
    if (p >= v.npages) return PageState::unused;
    PageState k = state_kind(v.desc[p].state.load(std::memory_order_acquire));
    if (k == PageState::tail) {
      p = v.desc[p].first;
      if (p >= v.npages) return PageState::unused;
      k = state_kind(v.desc[p].state.load(std::memory_order_acquire));
    }
    head = p;
    if (k == PageState::large) return off == v.page_offset(p) ? PageState::large : PageState::unused;
    if (k != PageState::span_owned && k != PageState::span_full && k != PageState::span_available) {
      return PageState::unused;
    }
    const PageDesc &d = v.desc[p];
    const std::uint64_t rel = off - v.page_offset(p);
    const std::uint64_t index = size_classes::divide_by_class(rel, d.size_class);
    return (index < d.capacity && index * size_classes::class_size(d.size_class) == rel) ? PageState::span_owned
                                                                                          : PageState::unused;
  }

  /// CheckLevel::full: flips the block's allocated bit. @return false if it already had the value.
  UNIMEM_HOST_DEVICE bool flip_allocated(std::uint64_t off, bool allocated) const noexcept {
    if (!v.bitmap) return true;
    const std::uint64_t granule = (off - v.heap_offset) >> 4;
    const std::uint64_t bit = std::uint64_t{1} << (granule & 63);
    Atomic<std::uint64_t> &word = v.bitmap[granule >> 6];
    const std::uint64_t old = allocated ? word.fetch_or(bit, std::memory_order_relaxed)
                                        : word.fetch_and(~bit, std::memory_order_relaxed);
    return ((old & bit) != 0) != allocated;
  }

  // ---------------------------------------------------------------- fast paths

  /// The fast path of allocate for class @p c: a block from the slot's current span (its free list
  /// or its never-used tail), or kNullLink to take the general path (no current span, a span to
  /// change, or CheckLevel::full, whose bit flips the general path does).
  /// Callers skip it for CheckLevel::full heaps.
  UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE std::uint64_t try_allocate_small(std::uint32_t slot, std::uint32_t c) const noexcept {
    CacheSlot &s = v.slots[slot];
    const std::uint32_t cur = s.current[c];
    if (UNIMEM_UNLIKELY(cur == kNoPage)) return kNullLink;
    PageDesc &d = v.desc[cur - 1];
    std::uint64_t off = d.local_free;
    if (off != kNullLink) {
      d.local_free = v.link(off);
    } else if (d.bump < d.capacity) {
      off = v.page_offset(cur - 1) + std::uint64_t{d.bump++} * size_classes::class_size(c);
    } else {
      return kNullLink;
    }
    HeapView::add_used(d, 1);
    add_live(slot, static_cast<std::int64_t>(size_classes::class_size(c)));
    return off;
  }

  /// The fast path of free: the slot's own block in a one-page span, pushed on its free list.
  /// @return false to take the general path (which also reports foreign pointers).
  /// Callers skip it for CheckLevel::full heaps.
  UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE bool try_free_owned(std::uint32_t slot, std::uint64_t off) const noexcept {
    const std::uint32_t p = v.page_of(off);
    if (UNIMEM_UNLIKELY(p >= v.npages)) return false;
    PageDesc &d = v.desc[p];
    if (d.state.load(std::memory_order_relaxed) != make_state(PageState::span_owned, slot)) return false;
    const std::uint32_t c = d.size_class;
    const std::uint64_t rel = off - v.page_offset(p);
    const std::uint64_t index = size_classes::divide_by_class(rel, c);
    // Owner-only checks, stricter than classify: the block was handed out (index < bump) and is not
    // the one freed last (an immediate double free); the general path reports either.
    if (UNIMEM_UNLIKELY(index >= d.bump || index * size_classes::class_size(c) != rel || off == d.local_free)) return false;
    v.link(off) = d.local_free;
    d.local_free = off;
    HeapView::add_used(d, -1);
    add_live(slot, -static_cast<std::int64_t>(size_classes::class_size(c)));
    return true;
  }

  // ---------------------------------------------------------------- blocks

  /// Whether an owned span can give a block without a new span (free, remote-freed or never-used).
  UNIMEM_HOST_DEVICE static bool has_room(const PageDesc &d) noexcept {
    return d.local_free != kNullLink || d.bump < d.capacity ||
           d.thread_free.load(std::memory_order_relaxed) != kNullLink;
  }

  /// The slow path of a small allocation: the current span is exhausted (or there is none). Takes
  /// another owned span with room, else a span from the central stack or a new one; the exhausted
  /// span joins the owned list, and when that list is full its oldest span is let go.
  UNIMEM_HOST_DEVICE std::uint64_t alloc_small(std::uint32_t slot, std::uint32_t c) const noexcept {
    CacheSlot &s = v.slots[slot];
    for (bool reclaimed = false;;) {
      const std::uint32_t cur = s.current[c];
      if (cur != kNoPage) {
        const std::uint64_t off = pop(v.desc[cur - 1], cur - 1);
        if (off != kNullLink) return off;
      }
      // Another owned span with room becomes current; the exhausted one takes its place.
      std::uint32_t *link = &s.owned[c];
      std::uint32_t kept = 0, last = kNoPage;
      for (std::uint32_t r = *link; r != kNoPage; link = &v.desc[r - 1].owned_next, r = *link, ++kept) {
        if (has_room(v.desc[r - 1])) {
          // Unlink, make current, then list the old one: no span is ever in two places.
          *link = v.desc[r - 1].owned_next;
          s.current[c] = r;
          if (cur != kNoPage) {
            v.desc[cur - 1].owned_next = s.owned[c];
            s.owned[c] = cur;
          }
          break;
        }
        last = r;
      }
      if (s.current[c] != cur) continue;
      if (cur != kNoPage) {
        if (kept == kOwnedSpansPerClass) {  // let the oldest go (it is the list's tail)
          std::uint32_t *tail = &s.owned[c];
          while (*tail != last) tail = &v.desc[*tail - 1].owned_next;
          *tail = kNoPage;
          if (release_full(v.desc[last - 1], slot)) release_available(v.desc[last - 1], last - 1);
        }
        s.current[c] = kNoPage;
        v.desc[cur - 1].owned_next = s.owned[c];
        s.owned[c] = cur;
      }
      flush_live(slot);
      std::uint32_t page = pop_central(c);
      if (page != v.npages) {
        v.desc[page].state.store(make_state(PageState::span_owned, slot), std::memory_order_relaxed);
      } else if ((page = new_span(c, slot)) == v.npages) {
        if (reclaimed || reclaim_empty_spans(slot) == 0) return kNullLink;
        reclaimed = true;
        continue;
      }
      v.desc[page].owned_next = kNoPage;
      s.current[c] = page + 1;
    }
  }

  UNIMEM_HOST_DEVICE std::uint64_t alloc_large(std::uint32_t slot, std::uint64_t bytes,
                                               std::uint64_t alignment) const noexcept {
    const std::uint64_t pages = pages_for(bytes);
    const std::uint64_t extra = alignment > size_classes::kPageSize ? alignment / size_classes::kPageSize - 1 : 0;
    if (bytes == 0 || pages + extra > v.npages) return kNullLink;
    for (bool reclaimed = false;;) {
      lock_heap(v);
      const std::uint32_t run = alloc_run(v, static_cast<std::uint32_t>(pages + extra));
      if (run == v.npages) {
        v.h->lock.unlock();
        if (reclaimed || reclaim_empty_spans(slot) == 0) return kNullLink;
        reclaimed = true;
        continue;
      }
      // Alignment is of the offset: every process maps the region 2 MiB-aligned (see the backends),
      // so an offset aligned here is an address aligned in all of them. `extra` pages guarantee one.
      std::uint32_t head = run;
      while (v.page_offset(head) % alignment != 0) ++head;
      // Order for crash safety: shrink the slack before the block to a consistent free run, mark
      // the block (so trimming cannot merge into it), then give both slacks back.
      const auto n = static_cast<std::uint32_t>(pages);
      const auto end = static_cast<std::uint32_t>(run + pages + extra);
      if (head > run) v.desc[run].run_pages = head - run;
      PageDesc &d = v.desc[head];
      d.large_bytes = bytes;
      mark_run_tails(v, head, n);
      d.state.store(make_state(PageState::large), std::memory_order_release);
      if (end > head + n) free_run(v, head + n, end - head - n);
      if (head > run) free_run(v, run, head - run);
      v.h->large_live_bytes.fetch_add(bytes, std::memory_order_relaxed);
      v.h->large_blocks.fetch_add(1, std::memory_order_relaxed);
      v.h->lock.unlock();
      add_live(slot, static_cast<std::int64_t>(bytes));
      flush_live(slot);
      return v.page_offset(head);
    }
  }

  /// @return the offset of a block of at least @p size bytes aligned to @p alignment (a power of
  /// two, at most 2 MiB), or kNullLink when the heap has no room.
  UNIMEM_HOST_DEVICE std::uint64_t allocate(std::uint32_t slot, std::uint64_t size, std::uint64_t alignment) const noexcept {
    if (size == 0) size = 1;
    const std::uint32_t c = alignment <= 16 ? (size <= size_classes::kMaxSize ? size_classes::class_of(size) : size_classes::kCount)
                                            : size_classes::aligned_class_of(size, alignment);
    if (c == size_classes::kCount) {
      const std::uint64_t off = alloc_large(slot, size, alignment < 16 ? 16 : alignment);
      if (off != kNullLink) flip_allocated(off, true);
      return off;
    }
    const std::uint64_t off = alloc_small(slot, c);
    if (off == kNullLink) return kNullLink;
    flip_allocated(off, true);
    add_live(slot, static_cast<std::int64_t>(size_classes::class_size(c)));
    return off;
  }

  UNIMEM_HOST_DEVICE FreeStatus free(std::uint32_t slot, std::uint64_t off) const noexcept {
    std::uint32_t head = 0;
    const PageState kind = classify(off, head);
    if (kind == PageState::unused) return FreeStatus::foreign;
    if (!flip_allocated(off, false)) return FreeStatus::double_free;
    PageDesc &d = v.desc[head];
    if (kind == PageState::large) {
      lock_heap(v);
      if (state_kind(d.state.load(std::memory_order_relaxed)) != PageState::large) {  // lost a race with a double free
        v.h->lock.unlock();
        return FreeStatus::double_free;
      }
      const std::uint64_t bytes = d.large_bytes;
      d.state.store(make_state(PageState::free_head), std::memory_order_relaxed);
      free_run(v, head, d.run_pages);
      v.h->large_live_bytes.fetch_sub(bytes, std::memory_order_relaxed);
      v.h->large_blocks.fetch_sub(1, std::memory_order_relaxed);
      v.h->lock.unlock();
      add_live(slot, -static_cast<std::int64_t>(bytes));
      flush_live(slot);
      return FreeStatus::ok;
    }
    const std::uint32_t c = d.size_class;
    if (d.state.load(std::memory_order_relaxed) == make_state(PageState::span_owned, slot)) {
      // The owner's free: no atomics. Its own fields catch, at any check level, a block it never
      // handed out and the block it freed last (a full-check heap caught both above already).
      if (size_classes::divide_by_class(off - v.page_offset(head), c) >= d.bump) return FreeStatus::foreign;
      if (off == d.local_free) return FreeStatus::double_free;
      add_live(slot, -static_cast<std::int64_t>(size_classes::class_size(c)));
      v.link(off) = d.local_free;
      d.local_free = off;
      HeapView::add_used(d, -1);
      return FreeStatus::ok;
    }
    add_live(slot, -static_cast<std::int64_t>(size_classes::class_size(c)));
    push_remote(d, off);
    // Once the push lands the span may be emptied, freed and reused by another class before the
    // lines below run, so the class is read again after the CAS (which reads the new owner's
    // seq_cst store): a reused full span is then harmlessly offered to its own class.
    std::uint32_t st = d.state.load(std::memory_order_seq_cst);
    if (state_kind(st) == PageState::span_full &&
        d.state.compare_exchange_strong(st, make_state(PageState::span_available), std::memory_order_seq_cst)) {
      push_central(d.size_class, head);
    }
    return FreeStatus::ok;
  }

  /// @return the bytes the block at @p off can hold, or 0 if it is not a live block.
  UNIMEM_HOST_DEVICE std::uint64_t usable_size(std::uint64_t off) const noexcept {
    std::uint32_t head = 0;
    const PageState kind = classify(off, head);
    if (kind == PageState::large) return v.desc[head].large_bytes;
    return kind == PageState::unused ? 0 : size_classes::class_size(v.desc[head].size_class);
  }

  /// Grows or shrinks a block, in place when its class (or page run) still fits, else by moving it.
  /// @return the new offset (kNullLink with status ok when out of memory: the old block is kept).
  UNIMEM_HOST_DEVICE std::uint64_t reallocate(std::uint32_t slot, std::uint64_t off, std::uint64_t size,
                                              FreeStatus &status) const noexcept {
    status = FreeStatus::ok;
    const std::uint64_t old_size = usable_size(off);
    if (old_size == 0) {
      status = FreeStatus::foreign;
      return kNullLink;
    }
    std::uint32_t head = 0;
    const bool large = classify(off, head) == PageState::large;
    if (!large && size <= size_classes::kMaxSize && size_classes::class_of(size) == v.desc[head].size_class) return off;
    if (large && size > size_classes::kMaxSize && resize_large_in_place(slot, head, size)) return off;
    const std::uint64_t moved = allocate(slot, size, 16);
    if (moved == kNullLink) return kNullLink;
    std::memcpy(v.base + moved, v.base + off, old_size < size ? old_size : size);
    status = free(slot, off);
    return moved;
  }

  /// A large block keeps its place when the new size needs at most its pages (and at least half of
  /// them), or when the pages after it are free. @return whether it did.
  UNIMEM_HOST_DEVICE bool resize_large_in_place(std::uint32_t slot, std::uint32_t head, std::uint64_t size) const noexcept {
    const std::uint64_t need = pages_for(size);
    lock_heap(v);
    PageDesc &d = v.desc[head];
    const std::uint32_t have = d.run_pages;
    bool ok = need <= have && need * 2 > have;
    if (need > have && need <= v.npages) {
      const auto more = static_cast<std::uint32_t>(need - have);
      const std::uint32_t right = head + have;
      if (right == v.h->fresh_next && v.npages - right >= more) {
        v.h->fresh_next += more;
        account_pages(v, more);
        ok = true;
      } else if (right < v.h->fresh_next &&
                 state_kind(v.desc[right].state.load(std::memory_order_relaxed)) == PageState::free_head &&
                 v.desc[right].run_pages >= more) {
        const std::uint32_t len = v.desc[right].run_pages;
        bin_remove(v, right);
        v.desc[right].run_pages = more;
        if (len > more) mark_free(v, right + more, len - more);
        account_pages(v, more);
        ok = true;
      }
      if (ok) mark_run_tails(v, head, static_cast<std::uint32_t>(need));
    }
    if (ok) {
      const std::int64_t delta = static_cast<std::int64_t>(size) - static_cast<std::int64_t>(d.large_bytes);
      v.h->large_live_bytes.fetch_add(static_cast<std::uint64_t>(delta), std::memory_order_relaxed);
      d.large_bytes = size;
      v.h->lock.unlock();
      add_live(slot, delta);
      flush_live(slot);
      return true;
    }
    v.h->lock.unlock();
    return false;
  }
};

static_assert(std::is_trivially_copyable_v<SlabHeap>);

}  // namespace unimem::detail
