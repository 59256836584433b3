// FullPtr<T> = {address as seen here, ShmPtr}: what an allocation returns, so the caller can use the
// memory at once and also store or send the position-independent half.
#pragma once

#include <type_traits>

#include "unimem/core/config.hpp"
#include "unimem/memory/shm_ptr.hpp"

namespace unimem {

template <class T>
struct FullPtr {
  T *ptr = nullptr;
  ShmPtr<T> shm{};

  UNIMEM_HOST_DEVICE constexpr bool is_null() const noexcept { return ptr == nullptr; }
  UNIMEM_HOST_DEVICE constexpr explicit operator bool() const noexcept { return ptr != nullptr; }
  UNIMEM_HOST_DEVICE T *get() const noexcept { return ptr; }
  UNIMEM_HOST_DEVICE T *operator->() const noexcept { return ptr; }
  template <class U = T>
    requires(!std::is_void_v<U>)
  UNIMEM_HOST_DEVICE U &operator*() const noexcept {
    return *ptr;
  }
  template <class U>
  UNIMEM_HOST_DEVICE FullPtr<U> cast() const noexcept {
    return FullPtr<U>{reinterpret_cast<U *>(ptr), shm.template cast<U>()};
  }
};

static_assert(std::is_trivially_copyable_v<FullPtr<int>>);

}  // namespace unimem
