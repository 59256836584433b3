// AllocatorRef<A>: how a container handle reaches its allocator. A trivially copyable allocator
// (SlabAllocatorRef, the form kernels receive) is held by value; a host handle
// (ThreadLocalAllocator, ScalablePageAllocator, MallocAllocator) by pointer. Either way the
// container handle stays trivially copyable, so it is passed by value, to kernels too.
// The region's base in this process (or on the device) never changes for a given allocator handle,
// so it is read once here: element access is then base + offset with no pointer chase.
// Containers allocate with the default MemContext: the calling thread's cache, or on a GPU the
// shared cache of the calling thread's id.
#pragma once

#include <cstddef>
#include <type_traits>

#include "unimem/core/config.hpp"
#include "unimem/core/error.hpp"
#include "unimem/memory/allocator/mem_context.hpp"
#include "unimem/memory/offset_ptr.hpp"

namespace unimem::detail {

template <class A>
class AllocatorRef {
  static constexpr bool kByValue = std::is_trivially_copyable_v<A>;
  using Storage = std::conditional_t<kByValue, A, A *>;

 public:
  AllocatorRef() = default;
  UNIMEM_EXEC_CHECK_DISABLE
  UNIMEM_HOST_DEVICE explicit AllocatorRef(A &a) noexcept : a_(hold(a)), base_(a.base()) {}

  UNIMEM_HOST_DEVICE A &get() const noexcept {
    if constexpr (kByValue) return a_; else return *a_;
  }
  UNIMEM_HOST_DEVICE char *base() const noexcept { return base_; }
  template <class T>
  UNIMEM_HOST_DEVICE T *address(OffsetPtr<T> p) const noexcept {
    return p.get_unchecked(base());
  }
  template <class T>
  UNIMEM_HOST_DEVICE OffsetPtr<T> offset(const T *p) const noexcept {
    return OffsetPtr<T>::from(base(), p);
  }

  /// @return null when out of memory.
  UNIMEM_EXEC_CHECK_DISABLE
  UNIMEM_HOST_DEVICE OffsetPtr<void> allocate(std::size_t bytes, std::size_t alignment) const noexcept {
    return get().aligned_allocate_offset(MemContext{}, bytes, alignment < 16 ? 16 : alignment);
  }
  UNIMEM_EXEC_CHECK_DISABLE
  UNIMEM_HOST_DEVICE Errc deallocate(OffsetPtr<void> p) const noexcept { return get().free_offset(MemContext{}, p); }

 private:
  UNIMEM_HOST_DEVICE static Storage hold(A &a) noexcept {
    if constexpr (kByValue) return a; else return &a;
  }
  mutable Storage a_{};
  char *base_ = nullptr;
};

}  // namespace unimem::detail
