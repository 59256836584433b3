// ScalablePageAllocator: the seed's size-class table shared across processes under one lock. It is
// the slab heap with a single cache that every call locks (a robust Mutex), so it is simple and
// compact, and serialises all callers. Prefer ThreadLocalAllocator when threads contend.
#pragma once

#include <memory>

#include "unimem/memory/allocator/slab_allocator.hpp"

namespace unimem {

struct ScalablePageAllocatorOptions {
  CheckLevel checks = UNIMEM_DEBUG ? CheckLevel::full : CheckLevel::cheap;
};

class ScalablePageAllocator final : public SlabAllocator {
 public:
  using Options = ScalablePageAllocatorOptions;

  static Result<std::unique_ptr<ScalablePageAllocator>> create(MemoryBackend &backend, AllocatorId id,
                                                               Options options = {});
  static Result<std::unique_ptr<ScalablePageAllocator>> attach(MemoryBackend &backend, AllocatorId id);

 private:
  ScalablePageAllocator(MemoryBackend &backend, AllocatorId id) : SlabAllocator(backend, id, false) {}
};

}  // namespace unimem
