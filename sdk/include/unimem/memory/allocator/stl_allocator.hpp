// StlAllocator<T, A>: lets std containers take their memory from a unimem allocator
// (std::vector<int, StlAllocator<int>> v{StlAllocator<int>(tla)}). std containers store raw
// pointers, so such a container is usable only in the process that built it; for containers that
// other processes and kernels use in place, see unimem's own containers.
#pragma once

#include <cstddef>
#include <new>

#include "unimem/memory/allocator/mem_context.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"

namespace unimem {

template <class T, class A = ThreadLocalAllocator>
class StlAllocator {
 public:
  using value_type = T;
  template <class U>
  struct rebind {
    using other = StlAllocator<U, A>;
  };

  explicit StlAllocator(A &alloc) noexcept : alloc_(&alloc) {}
  template <class U>
  StlAllocator(const StlAllocator<U, A> &other) noexcept : alloc_(other.allocator()) {}

  /// @throws std::bad_alloc when the allocator has no room (as std::allocator does).
  T *allocate(std::size_t n) {
    if (n > ~std::size_t{0} / sizeof(T)) throw std::bad_array_new_length();
    const auto p = alloc_->aligned_allocate_offset(MemContext{}, n * sizeof(T), alignof(T) < 16 ? 16 : alignof(T));
    if (p.is_null()) throw std::bad_alloc();
    return static_cast<T *>(alloc_->to_address(p));
  }
  void deallocate(T *p, std::size_t) noexcept { (void)alloc_->free_offset(MemContext{}, alloc_->to_offset(static_cast<void *>(p))); }

  A *allocator() const noexcept { return alloc_; }
  template <class U>
  friend bool operator==(const StlAllocator &a, const StlAllocator<U, A> &b) noexcept {
    return a.allocator() == b.allocator();
  }

 private:
  A *alloc_;
};

}  // namespace unimem
