// Atomic<T, Scope>: an atomic word that may live in shared memory, host-mapped memory or device
// memory, with one layout on host and device (a plain aligned T, so a region written by one process
// is read by another and by kernels). Every operation names its memory order; compare-exchange
// updates `expected` on failure, as std::atomic does. Scope defaults to system, which is what any
// word in a shared or mapped region needs.
#pragma once

#include <atomic>
#include <type_traits>

#include "unimem/core/config.hpp"
#include "unimem/thread/detail/atomic_ops.hpp"
#include "unimem/thread/thread_scope.hpp"

namespace unimem {

template <class T, thread_scope Scope = thread_scope::system>
class Atomic {
  static_assert(detail::atomic_size_ok<T>, "Atomic<T> needs a trivially copyable 4- or 8-byte T");

 public:
  using value_type = T;
  static constexpr thread_scope scope = Scope;

  /// Default construction leaves the value uninitialised, like std::atomic before C++20, so that an
  /// Atomic inside a region mapped by a second process is never reset by that process.
  Atomic() noexcept = default;
  UNIMEM_HOST_DEVICE constexpr explicit Atomic(T v) noexcept : value_(v) {}
  Atomic(const Atomic &) = delete;
  Atomic &operator=(const Atomic &) = delete;

  UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE T load(std::memory_order o) const noexcept { return detail::atomic_load<Scope>(&value_, o); }
  /// @brief The first half of an acquire for reads whose addresses come from the value: the reader
  /// calls dependency_fence() before them. On x86-64 hosts the pair is one plain load that lets the
  /// compiler keep other values in registers across it (detail::atomic_load_dependent).
  UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE T load_dependent() const noexcept { return detail::atomic_load_dependent<Scope>(&value_); }
  UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE void store(T v, std::memory_order o) noexcept { detail::atomic_store<Scope>(&value_, v, o); }
  UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE T exchange(T v, std::memory_order o) noexcept {
    return detail::atomic_exchange<Scope>(&value_, v, o);
  }
  /// @return true if the value was `expected` and is now `desired`; otherwise `expected` holds the value seen.
  UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE bool compare_exchange_strong(T &expected, T desired, std::memory_order o) noexcept {
    return detail::atomic_cas<Scope>(&value_, expected, desired, o);
  }
  /// Same contract as compare_exchange_strong (no spurious failure on any backend).
  UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE bool compare_exchange_weak(T &expected, T desired, std::memory_order o) noexcept {
    return detail::atomic_cas<Scope>(&value_, expected, desired, o);
  }

  UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE T fetch_add(T v, std::memory_order o) noexcept
    requires std::is_integral_v<T>
  {
    return detail::atomic_fetch_add<Scope>(&value_, v, o);
  }
  UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE T fetch_sub(T v, std::memory_order o) noexcept
    requires std::is_integral_v<T>
  {
    return detail::atomic_fetch_sub<Scope>(&value_, v, o);
  }
  UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE T fetch_and(T v, std::memory_order o) noexcept
    requires std::is_integral_v<T>
  {
    return detail::atomic_fetch_and<Scope>(&value_, v, o);
  }
  UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE T fetch_or(T v, std::memory_order o) noexcept
    requires std::is_integral_v<T>
  {
    return detail::atomic_fetch_or<Scope>(&value_, v, o);
  }

 private:
  alignas(sizeof(T)) T value_;
};

static_assert(std::is_standard_layout_v<Atomic<unsigned long long>>);
static_assert(sizeof(Atomic<unsigned>) == 4 && sizeof(Atomic<unsigned long long>) == 8);

/// @brief A fence at the given scope.
template <thread_scope Scope = thread_scope::system>
UNIMEM_HOST_DEVICE inline void atomic_thread_fence(std::memory_order o) noexcept {
  detail::atomic_fence<Scope>(o);
}

/// @brief Orders after a load_dependent() the reads whose addresses come from its value; free on
/// x86-64 hosts, an acquire fence on GPUs and other hosts.
template <thread_scope Scope = thread_scope::system>
UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE void dependency_fence() noexcept {
  detail::dependency_fence<Scope>();
}

}  // namespace unimem
