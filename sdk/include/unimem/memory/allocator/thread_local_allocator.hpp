// ThreadLocalAllocator: the recommended allocator for shared regions. Every host thread gets a cache
// of its own (a slot in the region), so its small allocations and frees touch only its own spans,
// with no atomic and no lock: a pop or push on a free list. Frees of another thread's or process's
// blocks go to the span's lock-free remote list; spans with room circulate through per-class
// lock-free stacks with tagged (ABA-safe) heads; blocks above 256 KiB are page runs with
// coalescing. GPU threads use it through device_ref(): each call locks the shared cache its thread
// id maps to.
// See SlabAllocator for thread safety and robustness, detail/heap_layout.hpp for the layout.
#pragma once

#include <memory>

#include "unimem/memory/allocator/slab_allocator.hpp"

namespace unimem {

class ThreadLocalAllocator final : public SlabAllocator {
 public:
  using Options = SlabAllocatorOptions;

  /// @brief Formats @p backend's region as a new heap. invalid_argument if the region is too small.
  static Result<std::unique_ptr<ThreadLocalAllocator>> create(MemoryBackend &backend, AllocatorId id,
                                                              Options options = {});
  /// @brief Uses the heap another process created in @p backend's region.
  static Result<std::unique_ptr<ThreadLocalAllocator>> attach(MemoryBackend &backend, AllocatorId id);

 private:
  ThreadLocalAllocator(MemoryBackend &backend, AllocatorId id) : SlabAllocator(backend, id, true) {}
};

}  // namespace unimem
