#include "unimem/memory/allocator/slab_allocator.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "unimem/core/align.hpp"
#include "unimem/memory/allocator/scalable_page_allocator.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/thread/detail/process.hpp"

namespace unimem {

using detail::CacheSlot;
using detail::HeapHeader;
using detail::HeapKind;
using detail::PageDesc;

namespace {

constexpr std::uint64_t kHeapHeaderOffset = RegionHeader::kHeaderBytes;

// ---- Thread bindings (process-local) ----
//
// A host thread binds one slot per allocator on first use and releases it at thread exit. Handles
// register here while alive, so a thread that exits after a handle died does not touch its region.
// Each thread keeps a one-entry cache keyed by the handle's generation, a number never reused, so a
// new handle at a dead one's address never matches. A forked child clears the cache of its only
// thread: it must never use its parent's slots (their owner is the parent's pid).

std::mutex g_mu;  // constant-initialised, like g_generation
// Built on first use and never destroyed: handles may be created by other translation units' static
// initialisers, and threads may exit after static destruction.
std::unordered_set<const SlabAllocator *> &live_handles() {
  static auto *live = new std::unordered_set<const SlabAllocator *>;
  return *live;
}
std::atomic<std::uint64_t> g_generation{1};

struct LastBinding {
  std::uint64_t generation = 0;
  std::uint32_t slot = 0;
};
thread_local LastBinding t_last;
thread_local bool t_exiting = false;  // set once this thread's bindings are released at exit

void forget_binding_after_fork() noexcept { t_last = LastBinding{}; }
[[maybe_unused]] const int g_atfork = pthread_atfork(nullptr, nullptr, forget_binding_after_fork);

}  // namespace

struct SlabBinding {
  const SlabAllocator *alloc;
  std::uint64_t generation;
  std::uint32_t pid;
  std::uint32_t slot;
};

struct SlabThreadBindings {
  std::vector<SlabBinding> list;
  ~SlabThreadBindings() {
    // Thread-local objects destroyed after this one may still allocate: they must neither use the
    // slots released here (t_last) nor bind new ones (the list is gone), so they take shared slots.
    t_exiting = true;
    t_last = LastBinding{};
    std::lock_guard lock(g_mu);
    for (const auto &b : list) {
      if (b.pid == detail::current_pid() && live_handles().count(b.alloc) && b.alloc->generation_ == b.generation &&
          b.alloc->backend_.base()) {
        const_cast<SlabAllocator *>(b.alloc)->release_bound_slot(b.slot);
      }
    }
  }
};

namespace {
thread_local SlabThreadBindings t_bindings;
}  // namespace

// ---- layout ----

namespace {

struct Layout {
  std::uint64_t desc_offset, slot_offset, bitmap_offset, heap_offset;
  std::uint32_t npages;
};

// npages and the metadata size depend on each other: shrink npages until everything fits.
bool plan_layout(std::uint64_t region_bytes, std::uint32_t slots, bool bitmap, Layout &out) {
  constexpr std::uint64_t P = size_classes::kPageSize;
  std::uint64_t npages = region_bytes / P;
  for (;;) {
    Layout l{};
    l.desc_offset = align_up(kHeapHeaderOffset + sizeof(HeapHeader), 64);
    l.slot_offset = align_up(l.desc_offset + npages * sizeof(PageDesc), 64);
    const std::uint64_t slots_end = l.slot_offset + std::uint64_t{slots} * sizeof(CacheSlot);
    l.bitmap_offset = bitmap ? align_up(slots_end, 64) : 0;
    const std::uint64_t bitmap_bytes = bitmap ? align_up(npages * (P / 16), 512) / 8 : 0;
    l.heap_offset = align_up((bitmap ? l.bitmap_offset + bitmap_bytes : slots_end), P);
    if (l.heap_offset + npages * P <= region_bytes) {
      if (npages == 0 || npages > ~std::uint32_t{0} - 1) return false;
      l.npages = static_cast<std::uint32_t>(npages);
      out = l;
      return true;
    }
    if (npages == 0) return false;
    npages = l.heap_offset < region_bytes ? std::min(npages - 1, (region_bytes - l.heap_offset) / P) : npages - 1;
  }
}

std::string heap_name(HeapKind k) {
  return k == HeapKind::thread_local_allocator ? "ThreadLocalAllocator" : "ScalablePageAllocator";
}

}  // namespace

Result<void> SlabAllocator::format(MemoryBackend &backend, AllocatorId id, HeapKind kind,
                                   const SlabAllocatorOptions &options) {
  char *base = backend.base();
  if (!base) return Error(Errc::invalid_argument, heap_name(kind) + " needs host-accessible memory (a device-only backend was given)");
  if (options.shared_slots == 0) return Error(Errc::invalid_argument, heap_name(kind) + ": shared_slots must be at least 1");
  const std::uint64_t slots = std::uint64_t{options.host_slots} + options.shared_slots;
  if (slots > detail::kMaxCacheSlots) {
    return Error(Errc::invalid_argument, heap_name(kind) + ": " + std::to_string(slots) + " cache slots, at most " +
                                             std::to_string(detail::kMaxCacheSlots) + " (a page's owner has 24 bits)");
  }
  // Formatting wipes the heap's metadata: never over a heap that processes may be using.
  if (backend.region_size() >= kHeapHeaderOffset + sizeof(HeapHeader) &&
      reinterpret_cast<const Atomic<std::uint64_t> *>(&reinterpret_cast<const HeapHeader *>(base + kHeapHeaderOffset)->magic)
              ->load(std::memory_order_acquire) == detail::kHeapMagic) {
    return Error(Errc::already_exists, heap_name(kind) + ": the region already holds an allocator; attach it, or "
                                                         "create a new backend for a new heap");
  }
  Layout l{};
  if (!plan_layout(backend.region_size(), static_cast<std::uint32_t>(slots), options.checks == CheckLevel::full, l)) {
    return Error(Errc::invalid_argument, heap_name(kind) + ": region of " + std::to_string(backend.region_size()) +
                                             " bytes is too small for the heap metadata and one 64 KiB page");
  }
  std::memset(base + kHeapHeaderOffset, 0, l.heap_offset - kHeapHeaderOffset);
  auto *h = new (base + kHeapHeaderOffset) HeapHeader{};
  h->layout_version = detail::kHeapLayoutVersion;
  h->kind = static_cast<std::uint32_t>(kind);
  h->allocator_id = id.value;
  h->checks = static_cast<std::uint32_t>(options.checks);
  h->npages = l.npages;
  h->host_slots = options.host_slots;
  h->shared_slots = options.shared_slots;
  h->desc_offset = l.desc_offset;
  h->slot_offset = l.slot_offset;
  h->bitmap_offset = l.bitmap_offset;
  h->heap_offset = l.heap_offset;
  reinterpret_cast<Atomic<std::uint64_t> *>(&h->magic)->store(detail::kHeapMagic, std::memory_order_release);
  return success();
}

Result<void> SlabAllocator::validate(const MemoryBackend &backend, AllocatorId id, HeapKind kind) {
  const char *base = backend.base();
  if (!base) return Error(Errc::invalid_argument, heap_name(kind) + " needs host-accessible memory");
  if (backend.region_size() < kHeapHeaderOffset + sizeof(HeapHeader)) {
    return Error(Errc::corrupt, "region is too small to hold an allocator");
  }
  const auto *h = reinterpret_cast<const HeapHeader *>(base + kHeapHeaderOffset);
  const std::uint64_t magic = reinterpret_cast<const Atomic<std::uint64_t> *>(&h->magic)->load(std::memory_order_acquire);
  if (magic != detail::kHeapMagic) return Error(Errc::not_found, "region holds no unimem allocator");
  if (h->layout_version != detail::kHeapLayoutVersion) {
    return Error(Errc::version_mismatch, "allocator layout version " + std::to_string(h->layout_version) +
                                             ", this build reads " + std::to_string(detail::kHeapLayoutVersion));
  }
  if (h->kind != static_cast<std::uint32_t>(kind)) {
    return Error(Errc::invalid_argument, "region holds a " + heap_name(static_cast<HeapKind>(h->kind)) + ", not a " +
                                             heap_name(kind));
  }
  if (h->allocator_id != id.value) {
    return Error(Errc::invalid_argument, "region holds allocator " + std::to_string(h->allocator_id) + ", not " +
                                             std::to_string(id.value));
  }
  const std::uint64_t end = h->heap_offset + (std::uint64_t{h->npages} << size_classes::kPageShift);
  if (h->shared_slots == 0 || h->heap_offset % size_classes::kPageSize != 0 || end > backend.region_size() ||
      std::uint64_t{h->host_slots} + h->shared_slots > detail::kMaxCacheSlots ||
      h->slot_offset + (std::uint64_t{h->host_slots} + h->shared_slots) * sizeof(CacheSlot) > h->heap_offset ||
      h->desc_offset + std::uint64_t{h->npages} * sizeof(PageDesc) > h->slot_offset) {
    return Error(Errc::corrupt, "allocator header describes a layout that does not fit its region");
  }
  return success();
}

SlabAllocator::SlabAllocator(MemoryBackend &backend, AllocatorId id, bool bind_threads)
    : AllocatorHandle(id, backend.base(), backend.region_size()),
      heap_{detail::HeapView::at(backend.base(), kHeapHeaderOffset)},
      backend_(backend),
      bind_threads_(bind_threads),
      fast_path_(bind_threads && !heap_.v.bitmap),
      generation_(g_generation.fetch_add(1, std::memory_order_relaxed)) {
  std::lock_guard lock(g_mu);
  live_handles().insert(this);
}

SlabAllocator::~SlabAllocator() {
  {
    std::lock_guard lock(g_mu);
    live_handles().erase(this);
  }
  if (!backend_.base()) return;  // the backend was destroyed first: its memory is gone, touch nothing
  // No thread may use this handle any more: release the caches bound through it (and only those:
  // another handle of this process on the same region keeps its own).
  const std::vector<std::uint32_t> bound = bound_;
  for (std::uint32_t s : bound) release_bound_slot(s);
}

Result<SlabAllocatorRef> SlabAllocator::device_ref() const {
  if (!backend_.device_base()) {
    return Error(Errc::invalid_argument, "allocator " + std::to_string(id().value) + ": its backend (" +
                                             std::string(backend_kind_name(backend_.kind())) + ") is not visible to kernels");
  }
  return SlabAllocatorRef(detail::SlabHeap{detail::HeapView::at(backend_.device_base(), kHeapHeaderOffset)}, id());
}

// ---- slots ----

// The calling thread's slot when its one-entry cache is for this allocator and still valid, else
// kNoSlot; inlined into the fast paths.
static UNIMEM_FORCEINLINE std::uint32_t cached_slot(std::uint64_t generation) noexcept {
  const LastBinding &l = t_last;
  return l.generation == generation ? l.slot : ~std::uint32_t{0};
}

std::uint32_t SlabAllocator::bound_slot() {
  if (const std::uint32_t s = cached_slot(generation_); s != kNoSlot) return s;
  if (t_exiting) return kNoSlot;
  const std::uint32_t me = detail::current_pid();
  std::uint32_t slot = kNoSlot;
  for (const auto &b : t_bindings.list) {
    if (b.alloc == this && b.generation == generation_ && b.pid == me) slot = b.slot;
  }
  if (slot == kNoSlot) {
    for (int attempt = 0; attempt < 2 && slot == kNoSlot; ++attempt) {
      for (std::uint32_t s = 0; s < heap_.v.h->host_slots; ++s) {
        if (heap_.v.slots[s].owner.try_lock()) {
          slot = s;
          break;
        }
      }
      if (slot == kNoSlot && (attempt > 0 || reclaim_dead_processes() == 0)) break;
    }
    if (slot == kNoSlot) return kNoSlot;  // every cache is bound: share one by thread id
    std::erase_if(t_bindings.list, [&](const SlabBinding &b) { return b.alloc == this; });
    t_bindings.list.push_back(SlabBinding{this, generation_, me, slot});
    std::lock_guard lock(bound_mu_);
    bound_.push_back(slot);
  }
  t_last = LastBinding{generation_, slot};
  return slot;
}

void SlabAllocator::release_bound_slot(std::uint32_t slot) {
  {
    std::lock_guard lock(bound_mu_);
    std::erase(bound_, slot);
  }
  heap_.release_slot(slot);
  heap_.v.slots[slot].owner.unlock();
}

template <class F>
auto SlabAllocator::with_slot(const MemContext &ctx, F &&f) {
  if (bind_threads_ && ctx.tid.is_null()) {
    if (const std::uint32_t s = bound_slot(); s != kNoSlot) return f(s);
  }
  const std::uint64_t tid = ctx.tid.is_null() ? this_thread::id().value : ctx.tid.value;
  const std::uint32_t s = heap_.v.h->host_slots + static_cast<std::uint32_t>(tid % heap_.v.h->shared_slots);
  heap_.v.slots[s].owner.lock();
  auto r = f(s);
  heap_.v.slots[s].owner.unlock();
  return r;
}

std::uint32_t SlabAllocator::reclaim_dead_processes() {
  std::uint32_t reclaimed = 0;
  const std::uint32_t total = heap_.v.h->host_slots + heap_.v.h->shared_slots;
  for (std::uint32_t s = 0; s < total; ++s) {
    Mutex &m = heap_.v.slots[s].owner;
    if (!m.try_take_over(m.owner())) continue;  // free, alive, or taken over by someone else first
    if (s < heap_.v.h->host_slots) heap_.release_slot(s);  // shared slots keep their spans for the next caller
    m.unlock();
    ++reclaimed;
  }
  return reclaimed;
}

void SlabAllocator::create_tls(MemContext &) {
  if (bind_threads_) (void)bound_slot();
}

void SlabAllocator::free_tls(const MemContext &) {
  if (!bind_threads_) return;
  const std::uint32_t me = detail::current_pid();
  auto it = std::find_if(t_bindings.list.begin(), t_bindings.list.end(), [&](const SlabBinding &b) {
    return b.alloc == this && b.generation == generation_ && b.pid == me;
  });
  if (it == t_bindings.list.end()) return;
  release_bound_slot(it->slot);
  t_bindings.list.erase(it);
  t_last = LastBinding{};
}

// ---- blocks ----

OffsetPtr<void> SlabAllocator::allocate_offset(const MemContext &ctx, std::size_t bytes) {
  if (UNIMEM_LIKELY(bytes - 1 < size_classes::kMaxSize && ctx.tid.is_null() && fast_path_)) {
    if (const std::uint32_t s = cached_slot(generation_); UNIMEM_LIKELY(s != kNoSlot)) {
      const std::uint64_t off = heap_.try_allocate_small(s, size_classes::class_of(bytes));
      if (UNIMEM_LIKELY(off != detail::kNullLink)) return OffsetPtr<void>(off);
    }
  }
  return aligned_allocate_offset(ctx, bytes, 16);
}

OffsetPtr<void> SlabAllocator::aligned_allocate_offset(const MemContext &ctx, std::size_t bytes, std::size_t alignment) {
  if (!detail::servable_alignment(reinterpret_cast<std::uintptr_t>(base()), alignment)) return {};
  const std::uint64_t off = with_slot(ctx, [&](std::uint32_t s) { return heap_.allocate(s, bytes, alignment); });
  return off == detail::kNullLink ? OffsetPtr<void>() : OffsetPtr<void>(off);
}

OffsetPtr<void> SlabAllocator::reallocate_offset(const MemContext &ctx, OffsetPtr<void> p, std::size_t bytes) {
  if (p.is_null()) return allocate_offset(ctx, bytes);
  detail::FreeStatus st = detail::FreeStatus::ok;
  const std::uint64_t off = with_slot(ctx, [&](std::uint32_t s) { return heap_.reallocate(s, p.offset(), bytes, st); });
  if (UNIMEM_DEBUG && st != detail::FreeStatus::ok) {
    std::fprintf(stderr, "unimem: allocator %u: reallocate of offset %llu: not a live block\n", id().value,
                 static_cast<unsigned long long>(p.offset()));
  }
  return off == detail::kNullLink ? OffsetPtr<void>() : OffsetPtr<void>(off);
}

Errc SlabAllocator::free_offset(const MemContext &ctx, OffsetPtr<void> p) {
  if (UNIMEM_LIKELY(ctx.tid.is_null() && fast_path_)) {
    if (const std::uint32_t s = cached_slot(generation_); UNIMEM_LIKELY(s != kNoSlot) && heap_.try_free_owned(s, p.offset())) {
      return Errc::ok;
    }
  }
  return free_general(ctx, p);
}

Errc SlabAllocator::free_general(const MemContext &ctx, OffsetPtr<void> p) {
  if (p.is_null()) return Errc::ok;
  const detail::FreeStatus st = with_slot(ctx, [&](std::uint32_t s) { return heap_.free(s, p.offset()); });
  if (st == detail::FreeStatus::ok) return Errc::ok;
  if (UNIMEM_DEBUG) {
    std::fprintf(stderr, "unimem: allocator %u: free of offset %llu: %s\n", id().value,
                 static_cast<unsigned long long>(p.offset()),
                 st == detail::FreeStatus::double_free ? "double free" : "not a block of this allocator");
  }
  return Errc::invalid_argument;
}

std::size_t SlabAllocator::usable_size(OffsetPtr<void> p) const {
  return p.is_null() ? 0 : heap_.usable_size(p.offset());
}

std::uint32_t SlabAllocator::lock_recoveries() const noexcept {
  return heap_.v.h->lock_recoveries.load(std::memory_order_relaxed);
}

AllocatorStats SlabAllocator::stats() const {
  AllocatorStats st;
  const HeapHeader &h = *heap_.v.h;
  const std::uint64_t flushed = h.live_bytes.load(std::memory_order_relaxed);
  std::uint64_t live = flushed;
  std::int64_t peak = static_cast<std::int64_t>(h.peak_live_bytes.load(std::memory_order_relaxed));
  for (std::uint32_t s = 0; s < h.host_slots + h.shared_slots; ++s) {
    const CacheSlot &slot = heap_.v.slots[s];
    live += slot.pending_live.load(std::memory_order_relaxed);
    peak = std::max(peak, static_cast<std::int64_t>(flushed + slot.pending_peak.load(std::memory_order_relaxed)));
  }
  st.bytes_in_use = static_cast<std::int64_t>(live) < 0 ? 0 : live;
  st.peak_bytes_in_use = std::max(static_cast<std::uint64_t>(std::max<std::int64_t>(peak, 0)), st.bytes_in_use);
  // Blocks per class: walk the runs (their layout changes only under the heap lock); a span's live
  // blocks are those handed out less the remote frees its owner has not collected yet.
  detail::lock_heap(heap_.v);
  for (std::uint32_t p = 0; p < h.fresh_next;) {
    const PageDesc &d = heap_.v.desc[p];
    const detail::PageState k = detail::state_kind(d.state.load(std::memory_order_acquire));
    if (k == detail::PageState::span_owned || k == detail::PageState::span_full ||
        k == detail::PageState::span_available) {
      auto &c = st.classes[d.size_class];
      c.live_blocks += d.used.load(std::memory_order_relaxed) - (d.thread_free.load(std::memory_order_relaxed) >> 48);
      ++c.spans;
    }
    p += (k == detail::PageState::free_tail || k == detail::PageState::tail || d.run_pages == 0) ? 1 : d.run_pages;
  }
  st.bytes_reserved = h.pages_in_use.load(std::memory_order_relaxed) << size_classes::kPageShift;
  st.peak_bytes_reserved = h.peak_pages.load(std::memory_order_relaxed) << size_classes::kPageShift;
  st.capacity_bytes = std::uint64_t{h.npages} << size_classes::kPageShift;
  st.large_blocks = h.large_blocks.load(std::memory_order_relaxed);
  heap_.v.h->lock.unlock();
  return st;
}

// ---- checking ----

HeapReport SlabAllocator::check() const {
  using detail::PageState;
  HeapReport r;
  const detail::HeapView &v = heap_.v;
  auto problem = [&](std::uint32_t page, const std::string &what) {
    r.problems.push_back("page " + std::to_string(page) + ": " + what);
  };
  detail::lock_heap(v);
  const std::uint32_t top = v.h->fresh_next;
  std::uint32_t free_heads = 0;
  for (std::uint32_t p = 0; p < top && r.problems.size() < 32;) {
    const PageDesc &d = v.desc[p];
    const PageState k = detail::state_kind(d.state.load(std::memory_order_acquire));
    const std::uint32_t len = d.run_pages;
    if (len == 0 || len > top - p) {
      problem(p, "run of " + std::to_string(len) + " pages does not fit below page " + std::to_string(top));
      ++p;
      continue;
    }
    switch (k) {
      case PageState::free_head:
        ++free_heads;
        r.pages_free += len;
        if (len > 1 && (detail::state_kind(v.desc[p + len - 1].state.load(std::memory_order_relaxed)) != PageState::free_tail ||
                        v.desc[p + len - 1].first != p)) {
          problem(p, "free run's last page does not point back to it");
        }
        break;
      case PageState::span_owned:
      case PageState::span_full:
      case PageState::span_available:
        if (d.size_class >= size_classes::kCount || len != size_classes::span_pages(d.size_class) ||
            d.capacity != ((std::uint64_t{len} << size_classes::kPageShift) / size_classes::class_size(d.size_class))) {
          problem(p, "span geometry does not match its class " + std::to_string(d.size_class));
        } else if (d.bump > d.capacity || d.used.load(std::memory_order_relaxed) > d.capacity) {
          problem(p, "span counts exceed its capacity");
        }
        [[fallthrough]];
      case PageState::large:
        r.pages_in_use += len;
        for (std::uint32_t i = 1; i < len; ++i) {
          if (detail::state_kind(v.desc[p + i].state.load(std::memory_order_relaxed)) != PageState::tail ||
              v.desc[p + i].first != p) {
            problem(p + i, "tail page does not point to its run's head " + std::to_string(p));
            break;
          }
        }
        break;
      default:
        problem(p, "state " + std::to_string(static_cast<unsigned>(k)) + " where a run should start");
        break;
    }
    p += len;
  }
  std::uint32_t binned = 0;
  for (std::uint32_t b = 0; b < detail::kFreeBins; ++b) {
    for (std::uint32_t e = v.h->bins[b]; e != detail::kNoPage && binned <= top; e = v.desc[e - 1].run_next, ++binned) {
      const PageDesc &d = v.desc[e - 1];
      if (detail::state_kind(d.state.load(std::memory_order_relaxed)) != PageState::free_head || detail::bin_of(d.run_pages) != b) {
        problem(e - 1, "listed in free bin " + std::to_string(b) + " but is not a free run of that size");
      }
    }
  }
  if (binned != free_heads) {
    r.problems.push_back(std::to_string(free_heads) + " free runs, " + std::to_string(binned) + " in the free bins");
  }
  if (r.pages_in_use != v.h->pages_in_use.load(std::memory_order_relaxed)) {
    r.problems.push_back("pages in use: counted " + std::to_string(r.pages_in_use) + ", recorded " +
                         std::to_string(v.h->pages_in_use.load(std::memory_order_relaxed)));
  }
  for (std::uint32_t s = 0; s < v.h->host_slots + v.h->shared_slots; ++s) {
    const std::uint32_t tag = v.slots[s].owner.owner();
    if (tag == 0 || (tag & Mutex::kDeviceOwnerBit) || detail::process_alive(tag)) continue;
    std::uint32_t spans = 0;
    for (std::uint32_t c = 0; c < size_classes::kCount; ++c) {
      spans += v.slots[s].current[c] != detail::kNoPage;
      for (std::uint32_t e = v.slots[s].owned[c]; e != detail::kNoPage && spans <= top; e = v.desc[e - 1].owned_next) ++spans;
    }
    r.dead_caches.push_back({s, tag, spans});
  }
  v.h->lock.unlock();
  return r;
}

Result<std::unique_ptr<SlabAllocator>> SlabAllocator::attach_existing(MemoryBackend &backend) {
  if (!backend.base() || backend.region_size() < kHeapHeaderOffset + sizeof(HeapHeader)) {
    return Error(Errc::not_found, "region holds no unimem allocator");
  }
  const auto *h = reinterpret_cast<const HeapHeader *>(backend.base() + kHeapHeaderOffset);
  const AllocatorId id{h->allocator_id};
  if (h->kind == static_cast<std::uint32_t>(HeapKind::scalable_page_allocator)) {
    auto a = ScalablePageAllocator::attach(backend, id);
    if (!a) return a.error();
    return std::unique_ptr<SlabAllocator>(std::move(*a));
  }
  auto a = ThreadLocalAllocator::attach(backend, id);  // validates magic, version and layout
  if (!a) return a.error();
  return std::unique_ptr<SlabAllocator>(std::move(*a));
}

// ---- the two allocators ----

Result<std::unique_ptr<ThreadLocalAllocator>> ThreadLocalAllocator::create(MemoryBackend &backend, AllocatorId id,
                                                                           Options options) {
  if (auto ok = format(backend, id, HeapKind::thread_local_allocator, options); !ok) return ok.error();
  return std::unique_ptr<ThreadLocalAllocator>(new ThreadLocalAllocator(backend, id));
}

Result<std::unique_ptr<ThreadLocalAllocator>> ThreadLocalAllocator::attach(MemoryBackend &backend, AllocatorId id) {
  if (auto ok = validate(backend, id, HeapKind::thread_local_allocator); !ok) return ok.error();
  return std::unique_ptr<ThreadLocalAllocator>(new ThreadLocalAllocator(backend, id));
}

Result<std::unique_ptr<ScalablePageAllocator>> ScalablePageAllocator::create(MemoryBackend &backend, AllocatorId id,
                                                                             Options options) {
  SlabAllocatorOptions slab;
  slab.host_slots = 0;
  slab.shared_slots = 1;  // one cache, locked by every call: the seed's single shared table
  slab.checks = options.checks;
  if (auto ok = format(backend, id, HeapKind::scalable_page_allocator, slab); !ok) return ok.error();
  return std::unique_ptr<ScalablePageAllocator>(new ScalablePageAllocator(backend, id));
}

Result<std::unique_ptr<ScalablePageAllocator>> ScalablePageAllocator::attach(MemoryBackend &backend, AllocatorId id) {
  if (auto ok = validate(backend, id, HeapKind::scalable_page_allocator); !ok) return ok.error();
  return std::unique_ptr<ScalablePageAllocator>(new ScalablePageAllocator(backend, id));
}

}  // namespace unimem
