// MemoryResource<A>: a std::pmr::memory_resource over a unimem allocator, for std::pmr containers
// and anything else that takes a memory resource. Same single-process caveat as StlAllocator.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <new>

#include "unimem/memory/allocator/mem_context.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"

namespace unimem {

template <class A = ThreadLocalAllocator>
class MemoryResource final : public std::pmr::memory_resource {
 public:
  explicit MemoryResource(A &alloc) noexcept : alloc_(&alloc) {}
  A &allocator() const noexcept { return *alloc_; }

 private:
  void *do_allocate(std::size_t bytes, std::size_t alignment) override {
    const auto p = alloc_->aligned_allocate_offset(MemContext{}, bytes, alignment < 16 ? 16 : alignment);
    if (p.is_null()) throw std::bad_alloc();
    return alloc_->to_address(p);
  }
  void do_deallocate(void *p, std::size_t, std::size_t) override {
    (void)alloc_->free_offset(MemContext{}, alloc_->to_offset(p));
  }
  bool do_is_equal(const std::pmr::memory_resource &other) const noexcept override {
    auto *o = dynamic_cast<const MemoryResource *>(&other);
    return o && o->alloc_ == alloc_;
  }

  A *alloc_;
};

}  // namespace unimem
