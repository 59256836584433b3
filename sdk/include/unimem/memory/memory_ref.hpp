// MemoryRef<T, Kind, Space>: a reference to one element of a Memory (Julia's GenericMemoryRef).
// The bounds check happens once, when the reference is made (memoryref, at); loads and stores
// through it are unchecked. It is trivially copyable, so kernels take it by value; it does not own
// the Memory, which must outlive it. A null MemoryRef (is_null) is what an empty Memory or a
// failed at() gives; access through it is undefined.
// Element access exists only where this compilation pass may dereference Space: host code using a
// MemoryRef to device memory does not compile.
#pragma once

#include <cstddef>
#include <string>
#include <type_traits>

#include "unimem/core/config.hpp"
#include "unimem/core/error.hpp"
#include "unimem/memory/detail/element_access.hpp"
#include "unimem/memory/memory.hpp"
#include "unimem/memory/memory_space.hpp"

namespace unimem {

template <class T, class Kind = kind::plain, MemorySpace Space = space::host>
class MemoryRef {
 public:
  static constexpr bool is_atomic = std::is_same_v<Kind, kind::atomic>;

  MemoryRef() = default;
  /// @brief The first element of @p m (null if @p m is empty).
  explicit MemoryRef(const Memory<T, Kind, Space> &m) noexcept
      : data_(m.data()), length_(m.size()), ptr_(m.size() ? m.data() : nullptr) {}

  /// @brief Element @p i of the @p length elements at @p data: null if i >= length (for kernels
  /// that received a view).
  UNIMEM_HOST_DEVICE MemoryRef(T *data, std::size_t length, std::size_t i) noexcept
      : data_(data), length_(length), ptr_(i < length ? data + i : nullptr) {}

  UNIMEM_HOST_DEVICE bool is_null() const noexcept { return ptr_ == nullptr; }
  /// @brief The index of the referenced element in its Memory (Julia's memoryoffset, 0-based).
  UNIMEM_HOST_DEVICE std::size_t offset() const noexcept { return static_cast<std::size_t>(ptr_ - data_); }
  UNIMEM_HOST_DEVICE std::size_t memory_size() const noexcept { return length_; }
  UNIMEM_HOST_DEVICE T *pointer() const noexcept { return ptr_; }
  /// @brief The element @p k after this one, checked against the Memory: null if outside (kernels
  /// test is_null(); host code may prefer memoryref(), which says why).
  UNIMEM_HOST_DEVICE MemoryRef at(std::size_t k) const noexcept {
    MemoryRef r = *this;
    r.ptr_ = !is_null() && k < length_ - offset() ? ptr_ + k : nullptr;
    return r;
  }

  // ---- plain kind ----
  UNIMEM_HOST_DEVICE T &operator*() const noexcept
    requires(accessible_here<Space> && !is_atomic)
  {
    return *ptr_;
  }
  UNIMEM_HOST_DEVICE T get() const noexcept
    requires(accessible_here<Space> && !is_atomic)
  {
    return *ptr_;
  }
  UNIMEM_HOST_DEVICE void set(const T &v) const noexcept
    requires(accessible_here<Space> && !is_atomic)
  {
    *ptr_ = v;
  }

  // ---- atomic kind: loads default to relaxed (Julia's :monotonic); stores and RMWs name their order ----
  UNIMEM_HOST_DEVICE T load(std::memory_order o = std::memory_order_relaxed) const noexcept
    requires(accessible_here<Space> && is_atomic)
  {
    return detail::element_load(ptr_, o);
  }
  UNIMEM_HOST_DEVICE void store(T v, std::memory_order o) const noexcept
    requires(accessible_here<Space> && is_atomic)
  {
    detail::element_store(ptr_, v, o);
  }
  UNIMEM_HOST_DEVICE T exchange(T v, std::memory_order o) const noexcept
    requires(accessible_here<Space> && is_atomic)
  {
    return detail::element_exchange(ptr_, v, o);
  }
  /// @return true if the element was @p expected and is now @p desired; else @p expected holds it.
  UNIMEM_HOST_DEVICE bool compare_exchange(T &expected, T desired, std::memory_order o) const noexcept
    requires(accessible_here<Space> && is_atomic)
  {
    return detail::element_cas(ptr_, expected, desired, o);
  }
  UNIMEM_HOST_DEVICE T fetch_add(T v, std::memory_order o) const noexcept
    requires(accessible_here<Space> && is_atomic && std::is_integral_v<T>)
  {
    return detail::element_fetch_add(ptr_, v, o);
  }

 private:
  T *data_ = nullptr;
  std::size_t length_ = 0;
  T *ptr_ = nullptr;
};

/// @brief A reference to element @p i of @p m: invalid_argument naming the index and length if out of bounds.
template <class T, class K, MemorySpace S>
Result<MemoryRef<T, K, S>> memoryref(const Memory<T, K, S> &m, std::size_t i) {
  return memoryref(MemoryRef<T, K, S>(m), i);
}
/// @brief The element @p i after @p r, checked against r's Memory.
template <class T, class K, MemorySpace S>
Result<MemoryRef<T, K, S>> memoryref(const MemoryRef<T, K, S> &r, std::size_t i) {
  const MemoryRef<T, K, S> out = r.at(i);
  if (out.is_null()) {
    return Error(Errc::invalid_argument, "memoryref: index " + std::to_string(r.is_null() ? i : r.offset() + i) +
                                             " is out of bounds for a Memory of " + std::to_string(r.memory_size()) +
                                             " elements");
  }
  return out;
}
/// @brief Julia's memoryoffset: the index of @p r's element in its Memory.
template <class T, class K, MemorySpace S>
UNIMEM_HOST_DEVICE std::size_t memoryoffset(const MemoryRef<T, K, S> &r) noexcept {
  return r.offset();
}

static_assert(std::is_trivially_copyable_v<MemoryRef<int>>);

}  // namespace unimem
