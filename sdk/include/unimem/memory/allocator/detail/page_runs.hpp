// The page-run allocator under HeapHeader::lock: first fit in power-of-two length bins, splitting and
// coalescing with boundary tags (see heap_layout.hpp). Every function here except lock_heap
// requires the lock to be held.
//
// Crash safety: a process killed while holding the lock leaves it to the next locker (Mutex is
// robust), which rebuilds the bins from the page descriptors. Every mutation writes descriptors in
// an order after which a rebuild finds consistent runs: a half-done operation can leak pages (they
// are counted in `orphan_pages` by a rebuild) but never hand out a page twice.
#pragma once

#include <cstdint>

#include "unimem/core/config.hpp"
#include "unimem/memory/allocator/detail/heap_layout.hpp"

namespace unimem::detail {

UNIMEM_HOST_DEVICE inline std::uint32_t bin_of(std::uint32_t pages) noexcept {
  const std::uint32_t b = size_classes::floor_log2(pages);
  return b < kFreeBins ? b : kFreeBins - 1;
}

UNIMEM_HOST_DEVICE inline void bin_insert(const HeapView &v, std::uint32_t head) noexcept {
  PageDesc &d = v.desc[head];
  const std::uint32_t b = bin_of(d.run_pages);
  d.run_prev = kNoPage;
  d.run_next = v.h->bins[b];
  if (d.run_next != kNoPage) v.desc[d.run_next - 1].run_prev = head + 1;
  v.h->bins[b] = head + 1;
}

UNIMEM_HOST_DEVICE inline void bin_remove(const HeapView &v, std::uint32_t head) noexcept {
  PageDesc &d = v.desc[head];
  if (d.run_prev != kNoPage) {
    v.desc[d.run_prev - 1].run_next = d.run_next;
  } else {
    v.h->bins[bin_of(d.run_pages)] = d.run_next;
  }
  if (d.run_next != kNoPage) v.desc[d.run_next - 1].run_prev = d.run_prev;
}

/// Marks [head, head + len) free and puts it in its bin.
UNIMEM_HOST_DEVICE inline void mark_free(const HeapView &v, std::uint32_t head, std::uint32_t len) noexcept {
  v.desc[head].run_pages = len;
  if (len > 1) {
    v.desc[head + len - 1].first = head;
    v.desc[head + len - 1].state.store(make_state(PageState::free_tail), std::memory_order_relaxed);
  }
  v.desc[head].state.store(make_state(PageState::free_head), std::memory_order_relaxed);
  bin_insert(v, head);
}

/// Makes [head, head + len) one run: tails point at the head; the head's state is the caller's.
UNIMEM_HOST_DEVICE inline void mark_run_tails(const HeapView &v, std::uint32_t head, std::uint32_t len) noexcept {
  v.desc[head].run_pages = len;
  for (std::uint32_t i = 1; i < len; ++i) {
    v.desc[head + i].first = head;
    v.desc[head + i].state.store(make_state(PageState::tail), std::memory_order_relaxed);
  }
}

UNIMEM_HOST_DEVICE inline void account_pages(const HeapView &v, std::int64_t delta) noexcept {
  const std::uint64_t now = v.h->pages_in_use.load(std::memory_order_relaxed) + static_cast<std::uint64_t>(delta);
  v.h->pages_in_use.store(now, std::memory_order_relaxed);
  if (now > v.h->peak_pages.load(std::memory_order_relaxed)) v.h->peak_pages.store(now, std::memory_order_relaxed);
}

/// @return the head of a run of @p k pages taken out of the free space, or npages if none fits.
UNIMEM_HOST_DEVICE inline std::uint32_t alloc_run(const HeapView &v, std::uint32_t k) noexcept {
  for (std::uint32_t b = bin_of(k); b < kFreeBins; ++b) {
    for (std::uint32_t r = v.h->bins[b]; r != kNoPage; r = v.desc[r - 1].run_next) {
      const std::uint32_t head = r - 1;
      const std::uint32_t len = v.desc[head].run_pages;
      if (len < k) continue;
      bin_remove(v, head);
      v.desc[head].run_pages = k;  // shrink first: a crash now leaks the rest, never doubles it
      if (len > k) mark_free(v, head + k, len - k);
      account_pages(v, k);
      return head;
    }
  }
  if (v.npages - v.h->fresh_next >= k) {
    const std::uint32_t head = v.h->fresh_next;
    v.h->fresh_next += k;
    account_pages(v, k);
    return head;
  }
  return v.npages;
}

/// Returns [head, head + len) to the free space, merging with free neighbours.
UNIMEM_HOST_DEVICE inline void free_run(const HeapView &v, std::uint32_t head, std::uint32_t len) noexcept {
  account_pages(v, -static_cast<std::int64_t>(len));
  if (head > 0) {
    const PageDesc &left = v.desc[head - 1];
    const PageState k = state_kind(left.state.load(std::memory_order_relaxed));
    const std::uint32_t lh = k == PageState::free_head ? head - 1 : k == PageState::free_tail ? left.first : v.npages;
    if (lh < head) {
      bin_remove(v, lh);
      len += v.desc[lh].run_pages;
      head = lh;
    }
  }
  const std::uint32_t right = head + len;
  if (right < v.h->fresh_next &&
      state_kind(v.desc[right].state.load(std::memory_order_relaxed)) == PageState::free_head) {
    bin_remove(v, right);
    len += v.desc[right].run_pages;
  }
  if (head + len == v.h->fresh_next) {  // the top of the used area: give it back to the fresh space
    v.desc[head].state.store(make_state(PageState::unused), std::memory_order_relaxed);
    v.h->fresh_next = head;
    return;
  }
  mark_free(v, head, len);
}

/// Rebuilds the bins from the descriptors after a lock holder died. @return pages it could not place.
UNIMEM_HOST_DEVICE inline std::uint32_t rebuild_free_bins(const HeapView &v) noexcept {
  for (auto &b : v.h->bins) b = kNoPage;
  std::uint32_t orphans = 0;
  for (std::uint32_t p = 0; p < v.h->fresh_next;) {
    PageDesc &d = v.desc[p];
    const std::uint32_t len = d.run_pages;
    const bool sane = len >= 1 && len <= v.h->fresh_next - p;
    switch (state_kind(d.state.load(std::memory_order_relaxed))) {
      case PageState::free_head:
        if (sane) {
          bin_insert(v, p);
          p += len;
          continue;
        }
        break;
      case PageState::span_owned:
      case PageState::span_full:
      case PageState::span_available:
      case PageState::large:
        if (sane) {
          p += len;
          continue;
        }
        break;
      default:
        break;
    }
    ++orphans;  // a page a dying process left half-updated: unusable until the region is recreated
    ++p;
  }
  return orphans;
}

/// Takes the heap lock, repairing the free bins if the previous holder died.
UNIMEM_HOST_DEVICE inline void lock_heap(const HeapView &v) noexcept {
  if (v.h->lock.lock() == LockState::recovered) {
    v.h->lock_recoveries.fetch_add(1, std::memory_order_relaxed);
    (void)rebuild_free_bins(v);
  }
}

}  // namespace unimem::detail
