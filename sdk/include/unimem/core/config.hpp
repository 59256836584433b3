// The one configuration header: toolchain checks, compilation-pass detection and the portability
// macros every other header uses. No unprefixed macro is defined anywhere in unimem.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "unimem requires C++20 (-std=c++20)"
#endif
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 11
#error "unimem requires GCC 11 or newer"
#endif
#if defined(__clang__) && __clang_major__ < 14
#error "unimem requires Clang 14 or newer"
#endif

// Which compiler front end is compiling this translation unit. nvcc pre-includes the CUDA runtime
// (__host__, threadIdx ...); clang compiling HIP does not, so it is included here.
#if defined(__HIP__) || defined(__HIPCC__)
#define UNIMEM_COMPILER_HIP 1
#include <hip/hip_runtime.h>
#elif defined(__CUDACC__)
#define UNIMEM_COMPILER_CUDA 1
#endif

// Whether this is a device compilation pass (a kernel body is being compiled for a GPU).
#if defined(__CUDA_ARCH__)
#define UNIMEM_DEVICE_PASS 1
#define UNIMEM_CUDA_DEVICE_PASS 1
#elif defined(__HIP_DEVICE_COMPILE__)
#define UNIMEM_DEVICE_PASS 1
#define UNIMEM_HIP_DEVICE_PASS 1
#endif

// Functions a kernel may call. Plain host compilers see nothing, so the same headers build everywhere.
#if defined(UNIMEM_COMPILER_CUDA) || defined(UNIMEM_COMPILER_HIP)
#define UNIMEM_HOST_DEVICE __host__ __device__
#define UNIMEM_DEVICE __device__
#define UNIMEM_GLOBAL __global__
#else
#define UNIMEM_HOST_DEVICE
#define UNIMEM_DEVICE
#define UNIMEM_GLOBAL
#endif

// A host/device template that calls into its template argument (an allocator, a hash) may be
// instantiated with a host-only type; nvcc would warn although only host code calls it then.
#if defined(UNIMEM_COMPILER_CUDA)
#define UNIMEM_EXEC_CHECK_DISABLE _Pragma("nv_exec_check_disable")
#else
#define UNIMEM_EXEC_CHECK_DISABLE
#endif

// Backend availability: set to 1 by the unimem::cuda / unimem::hip targets for their users.
#ifndef UNIMEM_HAS_CUDA
#define UNIMEM_HAS_CUDA 0
#endif
#ifndef UNIMEM_HAS_HIP
#define UNIMEM_HAS_HIP 0
#endif

// Hot paths are split into an always-inlined fast part and a never-inlined slow part, so that the
// fast part carries no register saves for code it rarely runs.
#if defined(UNIMEM_DEVICE_PASS)
#define UNIMEM_FORCEINLINE __forceinline__
#define UNIMEM_NOINLINE __noinline__
#elif defined(__GNUC__) || defined(__clang__)
#define UNIMEM_FORCEINLINE inline __attribute__((always_inline))
#define UNIMEM_NOINLINE __attribute__((noinline))
#else
#define UNIMEM_FORCEINLINE inline
#define UNIMEM_NOINLINE
#endif

// ThreadSanitizer does not model fences: code that synchronises through an acquire fence after a
// relaxed load uses an acquire load under it instead (the same ordering, which TSan can see).
#if defined(__SANITIZE_THREAD__)
#define UNIMEM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNIMEM_TSAN 1
#endif
#endif
#ifndef UNIMEM_TSAN
#define UNIMEM_TSAN 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define UNIMEM_LIKELY(x) __builtin_expect(!!(x), 1)
#define UNIMEM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define UNIMEM_LIKELY(x) (x)
#define UNIMEM_UNLIKELY(x) (x)
#endif

// Debug checks (invariants, double use) are on unless NDEBUG, or when forced with UNIMEM_DEBUG=1.
#ifndef UNIMEM_DEBUG
#ifdef NDEBUG
#define UNIMEM_DEBUG 0
#else
#define UNIMEM_DEBUG 1
#endif
#endif
