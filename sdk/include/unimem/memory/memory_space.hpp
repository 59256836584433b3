// Memory spaces and access kinds: the type parameters of Memory<T, Kind, Space> (Julia's addrspace
// and kind). A space says which processors may dereference its memory; element access is declared
// only where the current compilation pass may use it, so host code that dereferences device memory
// does not compile (tests/memory/typed/ holds the compile-fail test).
#pragma once

#include <concepts>
#include <string_view>

#include "unimem/core/config.hpp"
#include "unimem/memory/region_header.hpp"

namespace unimem {

namespace space {
/// Pageable or shared host memory (any host backend).
struct host {
  static constexpr bool host_accessible = true, device_accessible = false, persistent = false;
  static constexpr std::string_view name = "host";
};
/// GPU memory (cudaMalloc / hipMalloc): kernels only.
struct device {
  static constexpr bool host_accessible = false, device_accessible = true, persistent = false;
  static constexpr std::string_view name = "device";
};
/// Host memory mapped into the GPU (CUDA/ROCm shm, managed): host and kernels.
struct shared {
  static constexpr bool host_accessible = true, device_accessible = true, persistent = false;
  static constexpr std::string_view name = "shared";
};
/// Persistent memory (a libpmem2 mapping): host only, survives the process.
struct pmem {
  static constexpr bool host_accessible = true, device_accessible = false, persistent = true;
  static constexpr std::string_view name = "pmem";
};
}  // namespace space

namespace kind {
/// Plain loads and stores; one writer per element at a time.
struct plain {};
/// Every element access is atomic: loads default to relaxed, stores name their order.
struct atomic {};
}  // namespace kind

template <class S>
concept MemorySpace = requires {
  { S::host_accessible } -> std::convertible_to<bool>;
  { S::device_accessible } -> std::convertible_to<bool>;
  { S::persistent } -> std::convertible_to<bool>;
};

/// Whether code compiled in this pass (host, or a GPU device pass) may dereference memory of @p S.
template <MemorySpace S>
inline constexpr bool accessible_here =
#if defined(UNIMEM_DEVICE_PASS)
    S::device_accessible;
#else
    S::host_accessible;
#endif

/// The processors that may dereference a region of @p kind, as a space's capabilities.
struct SpaceCaps {
  bool host;
  bool device;
  bool persistent;
};
constexpr SpaceCaps space_caps(BackendKind kind) noexcept {
  switch (kind) {
    case BackendKind::cuda_shm:
    case BackendKind::rocm_shm:
    case BackendKind::cuda_managed:
    case BackendKind::hip_managed:
      return {true, true, false};
    case BackendKind::cuda_device:
    case BackendKind::hip_device:
      return {false, true, false};
    case BackendKind::pmem:
      return {true, false, true};
    default:
      return {true, false, false};
  }
}
/// Whether memory with capabilities @p have may be typed as space @p S.
template <MemorySpace S>
constexpr bool space_fits(SpaceCaps have) noexcept {
  return (!S::host_accessible || have.host) && (!S::device_accessible || have.device) &&
         (!S::persistent || have.persistent);
}

}  // namespace unimem
