// SlabAllocator: the host handle of a slab heap in a region (see detail/heap_layout.hpp), shared by
// ThreadLocalAllocator (many caches, one bound to each host thread) and ScalablePageAllocator (one
// cache under one lock). The heap lives in the region; this object is the process's view of it.
//
// Thread safety: all allocation calls may run concurrently from any thread of any process that
// attached the region, and from kernels through device_ref(). Creating, attaching and destroying a
// handle must not race with its use in this process.
// Lifetime: the handle refers to its backend object, which must outlive it (the MemoryManager
// destroys allocators before their backends). Calling destroy() on the backend first is allowed:
// the handle then releases nothing, but it must not be used for allocation any more.
// Robustness: no lock is held across the fast path. The page-run lock and shared-slot locks are
// robust (a dead holder is taken over; the run lists are rebuilt). A process that dies keeps its
// bound caches: their spans, and the free blocks in them, stay unusable until some process calls
// reclaim_dead_processes() (or `unimem shm check` does). Blocks the dead process still held are
// leaked unless another process frees them; that is all a dead process can leak.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "unimem/core/config.hpp"
#include "unimem/core/error.hpp"
#include "unimem/memory/allocator/allocator_base.hpp"
#include "unimem/memory/allocator/allocator_handle.hpp"
#include "unimem/memory/allocator/allocator_stats.hpp"
#include "unimem/memory/allocator/detail/slab_heap.hpp"
#include "unimem/memory/allocator/mem_context.hpp"
#include "unimem/memory/allocator/slab_allocator_ref.hpp"
#include "unimem/memory/backend/memory_backend.hpp"

namespace unimem {

using detail::CheckLevel;

/// What SlabAllocator::check() finds.
struct HeapReport {
  std::vector<std::string> problems;  ///< structural inconsistencies; empty when the heap is sound
  struct DeadCache {
    std::uint32_t slot;
    std::uint32_t pid;    ///< the process that bound it and no longer exists
    std::uint32_t spans;  ///< spans it keeps from everyone else until reclaimed
  };
  std::vector<DeadCache> dead_caches;
  std::uint32_t pages_in_use = 0;
  std::uint32_t pages_free = 0;  ///< in free runs (pages never used are not counted)
};

struct SlabAllocatorOptions {
  std::uint32_t host_slots = 64;    ///< host threads with a cache of their own (more share by thread id)
  std::uint32_t shared_slots = 64;  ///< caches for GPU threads, explicit thread ids and overflow threads
  CheckLevel checks = UNIMEM_DEBUG ? CheckLevel::full : CheckLevel::cheap;
};

class SlabAllocator : public AllocatorHandle, public AllocatorBase<SlabAllocator> {
 public:
  ~SlabAllocator() override;

  using AllocatorHandle::base;
  using AllocatorHandle::id;

  // ---- the seed's core API ----
  OffsetPtr<void> allocate_offset(const MemContext &ctx, std::size_t bytes);
  /// @return null for an alignment that is not a power of two up to 2 MiB, or when out of memory.
  OffsetPtr<void> aligned_allocate_offset(const MemContext &ctx, std::size_t bytes, std::size_t alignment);
  /// @return the new block (maybe the same), or null when out of memory (the old block is kept) or
  /// when @p p is not a live block. A null @p p allocates.
  OffsetPtr<void> reallocate_offset(const MemContext &ctx, OffsetPtr<void> p, std::size_t bytes);
  /// @return ok, or invalid_argument for a foreign pointer or a double free (nothing is changed;
  /// debug builds also print the reason to stderr).
  Errc free_offset(const MemContext &ctx, OffsetPtr<void> p);
  /// @brief Binds the calling thread's cache now (it is otherwise bound on first use).
  void create_tls(MemContext &ctx);
  /// @brief Releases the calling thread's cache (it is otherwise released at thread exit).
  void free_tls(const MemContext &ctx);

  /// @return the bytes block @p p can hold, or 0 if it is not a live block.
  std::size_t usable_size(OffsetPtr<void> p) const;
  AllocatorStats stats() const override;
  CheckLevel checks() const noexcept { return static_cast<CheckLevel>(heap_.v.h->checks); }
  /// @brief Times the page-run lock was taken over from a dead process.
  std::uint32_t lock_recoveries() const noexcept;

  /// @brief Releases the caches of processes that died holding them. @return caches released.
  std::uint32_t reclaim_dead_processes();

  /// @brief Verifies the heap's structures (page runs, boundary tags, spans, free bins, page
  /// accounting) under the heap lock, and lists caches bound by processes that no longer exist.
  HeapReport check() const;

  /// @brief The kind of region the heap lives in (host, pinned and mapped, managed, device ...).
  BackendKind backend_kind() const noexcept { return backend_.kind(); }

  /// @brief The region's root word: the offset of its root object (Directory), 0 until one is
  /// published (compare-exchange from 0, so the first publisher wins).
  Atomic<std::uint64_t> &root() const noexcept { return heap_.v.h->root; }

  /// @brief Attaches whichever slab allocator (thread-local or scalable page) @p backend holds,
  /// with the id recorded in its header; not_found if it holds none.
  static Result<std::unique_ptr<SlabAllocator>> attach_existing(MemoryBackend &backend);

  /// @brief A reference for code that runs on the host with explicit thread ids (e.g. emulated kernels).
  SlabAllocatorRef ref() const noexcept { return SlabAllocatorRef(heap_, id()); }
  /// @brief A reference for kernels: device addresses. invalid_argument if the backend is not device-visible.
  Result<SlabAllocatorRef> device_ref() const;

 protected:
  SlabAllocator(MemoryBackend &backend, AllocatorId id, bool bind_threads);
  /// Writes a fresh heap of @p kind into @p backend's region.
  static Result<void> format(MemoryBackend &backend, AllocatorId id, detail::HeapKind kind,
                             const SlabAllocatorOptions &options);
  /// Checks that @p backend holds a heap of @p kind for allocator @p id.
  static Result<void> validate(const MemoryBackend &backend, AllocatorId id, detail::HeapKind kind);

 private:
  static constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};
  friend struct SlabThreadBindings;

  /// The calling host thread's bound slot (binding one on first use), or kNoSlot.
  std::uint32_t bound_slot();
  UNIMEM_NOINLINE Errc free_general(const MemContext &ctx, OffsetPtr<void> p);
  void release_bound_slot(std::uint32_t slot);
  template <class F>
  auto with_slot(const MemContext &ctx, F &&f);

  detail::SlabHeap heap_;
  MemoryBackend &backend_;
  bool bind_threads_;
  bool fast_path_;  ///< bind_threads_ and no allocated-bit table: the inlined paths apply
  std::uint64_t generation_;
  std::mutex bound_mu_;
  std::vector<std::uint32_t> bound_;  ///< host slots bound through this handle (slow paths only)
};

}  // namespace unimem
