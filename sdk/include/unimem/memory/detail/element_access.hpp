// Element loads and stores by access kind, shared by Memory, MemoryRef and Array: plain access is a
// reference; atomic access goes through the foundation's system-scope atomics.
#pragma once

#include <atomic>
#include <type_traits>

#include "unimem/core/config.hpp"
#include "unimem/memory/memory_space.hpp"
#include "unimem/thread/detail/atomic_ops.hpp"
#include "unimem/thread/thread_scope.hpp"

namespace unimem::detail {

template <class Kind, class T>
inline constexpr bool kind_ok = std::is_same_v<Kind, kind::plain> || (std::is_same_v<Kind, kind::atomic> && atomic_size_ok<T>);

template <class T>
UNIMEM_HOST_DEVICE T element_load(const T *p, std::memory_order o) noexcept {
  return atomic_load<thread_scope::system>(p, o);
}
template <class T>
UNIMEM_HOST_DEVICE void element_store(T *p, T v, std::memory_order o) noexcept {
  atomic_store<thread_scope::system>(p, v, o);
}
template <class T>
UNIMEM_HOST_DEVICE T element_exchange(T *p, T v, std::memory_order o) noexcept {
  return atomic_exchange<thread_scope::system>(p, v, o);
}
template <class T>
UNIMEM_HOST_DEVICE bool element_cas(T *p, T &expected, T desired, std::memory_order o) noexcept {
  return atomic_cas<thread_scope::system>(p, expected, desired, o);
}
template <class T>
UNIMEM_HOST_DEVICE T element_fetch_add(T *p, T v, std::memory_order o) noexcept {
  return atomic_fetch_add<thread_scope::system>(p, v, o);
}

}  // namespace unimem::detail
