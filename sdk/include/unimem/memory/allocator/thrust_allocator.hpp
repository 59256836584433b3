// ThrustAllocator<T, A>: lets thrust::device_vector take its memory from a unimem region
// (thrust::device_vector<int, ThrustAllocator<int>> v(n, ThrustAllocator<int>::create(tla).value())).
// thrust::host_vector takes StlAllocator (stl_allocator.hpp), since its pointers are plain.
//
// With Thrust's CUDA or HIP device system the region must be device-visible (a registered shm,
// managed or device backend), and device_ptrs carry the kernels' addresses: create() reads the
// device base once. With the CPP, OMP or TBB systems (the CPU build) the "device" is the host and the
// addresses are the host's. Like std containers, the vector stores addresses, so it is usable in the
// process that built it; thrust algorithms also run in place over unimem containers' data
// (thrust::device_pointer_cast(vec.data())) with no adapter.
#pragma once

#include <cstddef>
#include <new>

#include <thrust/device_malloc_allocator.h>
#include <thrust/device_ptr.h>

#include "unimem/core/error.hpp"
#include "unimem/memory/allocator/mem_context.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"

namespace unimem {

namespace detail {
inline constexpr bool kThrustDeviceIsGpu =
    THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
#if defined(THRUST_DEVICE_SYSTEM_HIP)
    || THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_HIP
#endif
    ;
}  // namespace detail

template <class T, class A = ThreadLocalAllocator>
class ThrustAllocator : public thrust::device_malloc_allocator<T> {
 public:
  using value_type = T;
  using pointer = thrust::device_ptr<T>;
  using size_type = std::size_t;
  template <class U>
  struct rebind {
    using other = ThrustAllocator<U, A>;
  };

  /// @brief An allocator over @p alloc; invalid_argument when Thrust's device is a GPU and the
  /// region is not device-visible.
  static Result<ThrustAllocator> create(A &alloc) {
    std::ptrdiff_t shift = 0;
    if constexpr (detail::kThrustDeviceIsGpu) {
      auto ref = alloc.device_ref();
      if (!ref) return ref.error();
      shift = ref->base() - alloc.base();
    }
    return ThrustAllocator(alloc, shift);
  }
  template <class U>
  ThrustAllocator(const ThrustAllocator<U, A> &other) noexcept : alloc_(other.allocator()), shift_(other.shift()) {}

  /// @throws std::bad_alloc when the region has no room (Thrust's containers expect an exception).
  pointer allocate(size_type n) {
    if (n > ~size_type{0} / sizeof(T)) throw std::bad_array_new_length();
    const auto p = alloc_->aligned_allocate_offset(MemContext{}, n * sizeof(T), alignof(T) < 16 ? 16 : alignof(T));
    if (p.is_null()) throw std::bad_alloc();
    return thrust::device_pointer_cast(reinterpret_cast<T *>(static_cast<char *>(alloc_->to_address(p)) + shift_));
  }
  void deallocate(pointer p, size_type) noexcept {
    const char *host = reinterpret_cast<const char *>(thrust::raw_pointer_cast(p)) - shift_;
    (void)alloc_->free_offset(MemContext{}, alloc_->to_offset(static_cast<const void *>(host)));
  }

  A *allocator() const noexcept { return alloc_; }
  std::ptrdiff_t shift() const noexcept { return shift_; }  ///< device address - host address
  template <class U>
  friend bool operator==(const ThrustAllocator &a, const ThrustAllocator<U, A> &b) noexcept {
    return a.allocator() == b.allocator();
  }

 private:
  ThrustAllocator(A &alloc, std::ptrdiff_t shift) noexcept : alloc_(&alloc), shift_(shift) {}
  A *alloc_;
  std::ptrdiff_t shift_;
};

}  // namespace unimem
