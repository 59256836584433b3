// launch: one way to start a kernel, whatever runs it. A kernel is a callable whose call operator
// is UNIMEM_HOST_DEVICE (a functor, or a __host__ __device__ lambda); it reads its place from
// this_kernel. The stream picks the executor at run time:
//
//   null stream   host emulation, now; launch returns once the grid is done, with its error
//   host stream   host emulation, in the stream's order; errors come from stream.synchronize()
//   CUDA / HIP    the GPU, in the stream's order; a launch the runtime refuses is returned here,
//                 a fault while the kernel runs comes from stream.synchronize()
//
// GPU streams need this call to be compiled by that vendor's compiler (nvcc, or clang/hipcc for
// HIP); elsewhere such a launch returns unsupported rather than doing nothing. Kernel and arguments
// are copied (to the device, or into the host task), so they must be trivially copyable: pass
// container refs and pointers, never owning objects.
#pragma once

#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "unimem/core/config.hpp"
#include "unimem/core/error.hpp"
#include "unimem/kernel/detail/host_grid.hpp"
#include "unimem/kernel/launch_config.hpp"
#include "unimem/kernel/this_kernel.hpp"
#include "unimem/memory/detail/gpu_runtime.hpp"
#include "unimem/stream/stream.hpp"

namespace unimem {

namespace detail {

#if defined(UNIMEM_COMPILER_CUDA) || defined(UNIMEM_COMPILER_HIP)
template <class F, class... Args>
UNIMEM_GLOBAL void kernel_entry(F f, Args... args) {
  f(args...);
}
#endif

template <class Closure>
void call_closure(const void *closure) {
  const auto &c = *static_cast<const Closure *>(closure);
  std::apply(c.kernel, c.args);
}

template <class F, class... Args>
struct KernelClosure {
  F kernel;
  std::tuple<Args...> args;

  Result<void> run_on_host(const LaunchConfig &c) const {
    return run_host_grid(c, &call_closure<KernelClosure>, this);
  }
};

#if defined(UNIMEM_COMPILER_CUDA)
using NativeStream = cudaStream_t;
inline constexpr GpuVendor kCompilerVendor = GpuVendor::cuda;
#elif defined(UNIMEM_COMPILER_HIP)
using NativeStream = hipStream_t;
inline constexpr GpuVendor kCompilerVendor = GpuVendor::hip;
#endif

template <GpuVendor V, class F, class... Args>
Result<void> launch_on_gpu(const Stream &s, const LaunchConfig &c, const F &f, const Args &...args) {
#if defined(UNIMEM_COMPILER_CUDA) || defined(UNIMEM_COMPILER_HIP)
  if constexpr (V == kCompilerVendor) {
    kernel_entry<F, Args...><<<dim3(c.grid.x, c.grid.y, c.grid.z), dim3(c.block.x, c.block.y, c.block.z),
                               c.shared_bytes, static_cast<NativeStream>(s.native_handle())>>>(f, args...);
    return GpuRuntime<V>::last_launch_error();
  }
#endif
  (void)s, (void)c, (void)f, ((void)args, ...);
  return Error(Errc::unsupported, std::string("launch on a ") + GpuRuntime<V>::name +
                                      " stream from code its compiler did not build (compile this file with " +
                                      (V == GpuVendor::cuda ? "nvcc" : "hipcc") + ")");
}

}  // namespace detail

/// @brief Launches @p kernel(args...) on every thread of @p config, ordered on @p stream (see the
/// file comment for which executor runs it and where its errors go).
/// @return invalid_argument for a bad configuration; the runtime's launch error; unsupported for a
/// GPU stream this translation unit was not compiled for; on the null stream, the grid's error.
template <class F, class... Args>
Result<void> launch(const Stream &stream, const LaunchConfig &config, F kernel, Args... args) {
  static_assert(std::is_trivially_copyable_v<F> && (std::is_trivially_copyable_v<Args> && ...),
                "a kernel and its arguments are copied bytewise: pass refs and pointers, not owning objects");
  if (auto ok = validate(config); !ok) return ok;
  switch (stream.kind()) {
    case StreamKind::null:
      return detail::KernelClosure<F, Args...>{kernel, {args...}}.run_on_host(config);
    case StreamKind::host:
      return stream.enqueue([config, closure = detail::KernelClosure<F, Args...>{kernel, {args...}}] {
        return closure.run_on_host(config);
      });
    case StreamKind::cuda: return detail::launch_on_gpu<GpuVendor::cuda>(stream, config, kernel, args...);
    case StreamKind::hip: return detail::launch_on_gpu<GpuVendor::hip>(stream, config, kernel, args...);
  }
  return Error(Errc::invalid_argument, "launch: unknown stream kind");
}

}  // namespace unimem
