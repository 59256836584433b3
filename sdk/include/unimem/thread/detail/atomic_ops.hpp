// The atomic primitives behind Atomic<T, Scope>: one function per operation, with the target
// dispatch inside (CUDA device pass: libcu++ atomic_ref; HIP device pass: __hip_atomic builtins with
// an explicit memory scope; host: the GCC/Clang __atomic builtins, which are address-free for
// lock-free sizes and so correct between processes that map the same page).
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <type_traits>

#include "unimem/core/config.hpp"
#include "unimem/thread/thread_scope.hpp"

#if defined(UNIMEM_COMPILER_CUDA)
#include <cuda/atomic>
#endif

namespace unimem::detail {

template <class T>
inline constexpr bool atomic_size_ok = std::is_trivially_copyable_v<T> && (sizeof(T) == 4 || sizeof(T) == 8);

UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE constexpr int builtin_order(std::memory_order o) noexcept {
  switch (o) {
    case std::memory_order_relaxed: return __ATOMIC_RELAXED;
    case std::memory_order_consume: return __ATOMIC_CONSUME;
    case std::memory_order_acquire: return __ATOMIC_ACQUIRE;
    case std::memory_order_release: return __ATOMIC_RELEASE;
    case std::memory_order_acq_rel: return __ATOMIC_ACQ_REL;
    default: return __ATOMIC_SEQ_CST;
  }
}

// A compare-exchange failure order may not be release / acq_rel (C++ [atomics.types.operations]).
UNIMEM_HOST_DEVICE constexpr std::memory_order failure_order(std::memory_order o) noexcept {
  if (o == std::memory_order_acq_rel) return std::memory_order_acquire;
  if (o == std::memory_order_release) return std::memory_order_relaxed;
  return o;
}

#if defined(UNIMEM_CUDA_DEVICE_PASS)
__device__ constexpr cuda::std::memory_order cuda_order(std::memory_order o) noexcept {
  switch (o) {
    case std::memory_order_relaxed: return cuda::std::memory_order_relaxed;
    case std::memory_order_consume: return cuda::std::memory_order_consume;
    case std::memory_order_acquire: return cuda::std::memory_order_acquire;
    case std::memory_order_release: return cuda::std::memory_order_release;
    case std::memory_order_acq_rel: return cuda::std::memory_order_acq_rel;
    default: return cuda::std::memory_order_seq_cst;
  }
}
template <thread_scope S>
inline constexpr cuda::thread_scope cuda_scope = S == thread_scope::system   ? cuda::thread_scope_system
                                                 : S == thread_scope::device ? cuda::thread_scope_device
                                                 : S == thread_scope::block  ? cuda::thread_scope_block
                                                                             : cuda::thread_scope_thread;
template <thread_scope S, class T>
__device__ auto cuda_ref(T *p) {
  return cuda::atomic_ref<T, cuda_scope<S>>(*p);
}
#elif defined(UNIMEM_HIP_DEVICE_PASS)
template <thread_scope S>
inline constexpr int hip_scope = S == thread_scope::system   ? __HIP_MEMORY_SCOPE_SYSTEM
                                 : S == thread_scope::device ? __HIP_MEMORY_SCOPE_AGENT
                                 : S == thread_scope::block  ? __HIP_MEMORY_SCOPE_WORKGROUP
                                                             : __HIP_MEMORY_SCOPE_SINGLETHREAD;
#endif

template <thread_scope S, class T>
UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE T atomic_load(const T *p, std::memory_order o) noexcept {
#if defined(UNIMEM_CUDA_DEVICE_PASS)
  return cuda_ref<S>(const_cast<T *>(p)).load(cuda_order(o));
#elif defined(UNIMEM_HIP_DEVICE_PASS)
  return __hip_atomic_load(p, builtin_order(o), hip_scope<S>);
#else
  return __atomic_load_n(p, builtin_order(o));
#endif
}

// Dependency ordering (what memory_order_consume was meant to be): a load, then an acquire fence
// that orders the reads whose addresses come from its value, placed only where such reads follow.
// On x86-64 hosts loads are not reordered with later loads and the address dependency keeps the
// compiler from issuing those reads first, so the load is one volatile load of the word (Linux's
// READ_ONCE) and the fence nothing: GCC treats every __atomic builtin, even a relaxed load, as
// touching all memory, so a caller's loop would reload its invariant pointers after each. Under
// TSan (which takes a volatile load for a plain one and ignores fences) the load acquires; on GPUs
// and other hosts it is relaxed and the fence real.
#if defined(__x86_64__) && !defined(UNIMEM_DEVICE_PASS) && !UNIMEM_TSAN
#define UNIMEM_DEPENDENCY_ORDERED_LOADS 1
#else
#define UNIMEM_DEPENDENCY_ORDERED_LOADS 0
#endif

template <thread_scope S, class T>
UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE T atomic_load_dependent(const T *p) noexcept {
#if UNIMEM_DEPENDENCY_ORDERED_LOADS
  // may_alias: T may be a pointer or a double, which a plain integer load would not alias
  using Word [[gnu::may_alias]] = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
  return std::bit_cast<T>(*reinterpret_cast<const volatile Word *>(p));
#else
  return atomic_load<S>(p, UNIMEM_TSAN ? std::memory_order_acquire : std::memory_order_relaxed);
#endif
}

template <thread_scope S, class T>
UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE void atomic_store(T *p, T v, std::memory_order o) noexcept {
#if defined(UNIMEM_CUDA_DEVICE_PASS)
  cuda_ref<S>(p).store(v, cuda_order(o));
#elif defined(UNIMEM_HIP_DEVICE_PASS)
  __hip_atomic_store(p, v, builtin_order(o), hip_scope<S>);
#else
  __atomic_store_n(p, v, builtin_order(o));
#endif
}

template <thread_scope S, class T>
UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE T atomic_exchange(T *p, T v, std::memory_order o) noexcept {
#if defined(UNIMEM_CUDA_DEVICE_PASS)
  return cuda_ref<S>(p).exchange(v, cuda_order(o));
#elif defined(UNIMEM_HIP_DEVICE_PASS)
  return __hip_atomic_exchange(p, v, builtin_order(o), hip_scope<S>);
#else
  return __atomic_exchange_n(p, v, builtin_order(o));
#endif
}

// Strong compare-exchange; on failure `expected` receives the value found, as in std::atomic.
template <thread_scope S, class T>
UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE bool atomic_cas(T *p, T &expected, T desired, std::memory_order o) noexcept {
#if defined(UNIMEM_CUDA_DEVICE_PASS)
  return cuda_ref<S>(p).compare_exchange_strong(expected, desired, cuda_order(o), cuda_order(failure_order(o)));
#elif defined(UNIMEM_HIP_DEVICE_PASS)
  return __hip_atomic_compare_exchange_strong(p, &expected, desired, builtin_order(o),
                                              builtin_order(failure_order(o)), hip_scope<S>);
#else
  return __atomic_compare_exchange_n(p, &expected, desired, false, builtin_order(o),
                                     builtin_order(failure_order(o)));
#endif
}

template <thread_scope S, class T>
UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE T atomic_fetch_add(T *p, T v, std::memory_order o) noexcept {
#if defined(UNIMEM_CUDA_DEVICE_PASS)
  return cuda_ref<S>(p).fetch_add(v, cuda_order(o));
#elif defined(UNIMEM_HIP_DEVICE_PASS)
  return __hip_atomic_fetch_add(p, v, builtin_order(o), hip_scope<S>);
#else
  return __atomic_fetch_add(p, v, builtin_order(o));
#endif
}

template <thread_scope S, class T>
UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE T atomic_fetch_sub(T *p, T v, std::memory_order o) noexcept {
#if defined(UNIMEM_CUDA_DEVICE_PASS)
  return cuda_ref<S>(p).fetch_sub(v, cuda_order(o));
#elif defined(UNIMEM_HIP_DEVICE_PASS)
  return __hip_atomic_fetch_add(p, static_cast<T>(0 - v), builtin_order(o), hip_scope<S>);
#else
  return __atomic_fetch_sub(p, v, builtin_order(o));
#endif
}

template <thread_scope S, class T>
UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE T atomic_fetch_and(T *p, T v, std::memory_order o) noexcept {
#if defined(UNIMEM_CUDA_DEVICE_PASS)
  return cuda_ref<S>(p).fetch_and(v, cuda_order(o));
#elif defined(UNIMEM_HIP_DEVICE_PASS)
  return __hip_atomic_fetch_and(p, v, builtin_order(o), hip_scope<S>);
#else
  return __atomic_fetch_and(p, v, builtin_order(o));
#endif
}

template <thread_scope S, class T>
UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE T atomic_fetch_or(T *p, T v, std::memory_order o) noexcept {
#if defined(UNIMEM_CUDA_DEVICE_PASS)
  return cuda_ref<S>(p).fetch_or(v, cuda_order(o));
#elif defined(UNIMEM_HIP_DEVICE_PASS)
  return __hip_atomic_fetch_or(p, v, builtin_order(o), hip_scope<S>);
#else
  return __atomic_fetch_or(p, v, builtin_order(o));
#endif
}

template <thread_scope S>
UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE void atomic_fence(std::memory_order o) noexcept {
#if defined(UNIMEM_CUDA_DEVICE_PASS)
  cuda::atomic_thread_fence(cuda_order(o), cuda_scope<S>);
#elif defined(UNIMEM_HIP_DEVICE_PASS)
  __atomic_thread_fence(builtin_order(o));  // clang's HIP fences are system scope
#else
  __atomic_thread_fence(builtin_order(o));
#endif
}

template <thread_scope S>
UNIMEM_HOST_DEVICE UNIMEM_FORCEINLINE void dependency_fence() noexcept {
  if constexpr (!UNIMEM_DEPENDENCY_ORDERED_LOADS && !UNIMEM_TSAN) atomic_fence<S>(std::memory_order_acquire);
}

}  // namespace unimem::detail
