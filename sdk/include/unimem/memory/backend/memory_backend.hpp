// MemoryBackend: one contiguous region, starting with a RegionHeader, that allocators carve up.
// Backends are host objects, created and attached through static factories that return
// Result<std::unique_ptr<B>>; kernels get the trivially copyable RegionView instead.
// Destroying the object detaches (unmaps, unregisters); only destroy() removes a region's name.
// Thread safety: a backend object is immutable after creation; destroy() must not race other uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "unimem/core/config.hpp"
#include "unimem/core/error.hpp"
#include "unimem/memory/region_header.hpp"

namespace unimem {

/// What a kernel or another component needs of a region: where it starts on each side, and its size.
struct RegionView {
  char *host_base = nullptr;    ///< region start as the host sees it (nullptr: device-only memory)
  char *device_base = nullptr;  ///< region start as kernels see it (nullptr: not device-visible)
  std::uint64_t region_bytes = 0;

  UNIMEM_HOST_DEVICE char *base() const noexcept {
#if defined(UNIMEM_DEVICE_PASS)
    return device_base;
#else
    return host_base;
#endif
  }
};
static_assert(std::is_trivially_copyable_v<RegionView>);

class MemoryBackend {
 public:
  MemoryBackend(const MemoryBackend &) = delete;
  MemoryBackend &operator=(const MemoryBackend &) = delete;
  virtual ~MemoryBackend() = default;

  BackendKind kind() const noexcept { return header_.backend_kind(); }
  /// @brief The validated header (a host copy, also for device-resident regions).
  const RegionHeader &header() const noexcept { return header_; }
  const std::string &name() const noexcept { return name_; }
  /// @brief Whether this object created the region (rather than attached to it).
  bool created() const noexcept { return created_; }

  /// Region start / payload as the host sees them; nullptr for device-only memory.
  char *base() const noexcept { return view_.host_base; }
  char *data() const noexcept { return view_.host_base ? view_.host_base + RegionHeader::kHeaderBytes : nullptr; }
  /// Region start / payload as kernels see them; nullptr when kernels cannot reach this memory.
  char *device_base() const noexcept { return view_.device_base; }
  char *device_data() const noexcept {
    return view_.device_base ? view_.device_base + RegionHeader::kHeaderBytes : nullptr;
  }
  /// @brief @p host, an address inside this region, as kernels see it; nullptr when kernels cannot
  /// reach this memory.
  template <class T>
  T *device_address(T *host) const noexcept {
    if (!view_.device_base || !view_.host_base) return nullptr;
    const auto at = reinterpret_cast<const char *>(host) - view_.host_base;
    return reinterpret_cast<T *>(view_.device_base + at);
  }
  std::size_t region_size() const noexcept { return view_.region_bytes; }
  /// @brief Bytes after the region header; 0 once destroyed.
  std::size_t data_size() const noexcept {
    return view_.region_bytes > RegionHeader::kHeaderBytes ? view_.region_bytes - RegionHeader::kHeaderBytes : 0;
  }
  RegionView view() const noexcept { return view_; }

  /// @brief Detaches and removes the region's name (named backends); other backends just release.
  /// After destroy() the object holds nothing; a second call is a no-op.
  virtual Result<void> destroy() = 0;

 protected:
  MemoryBackend() = default;
  /// For factories that made a new region at @p p (host-visible): writes and publishes its header,
  /// keeps a copy, and records the mapping. @p device is the kernels' address of p, if any.
  void init_created(char *p, std::uint64_t region_bytes, BackendKind kind, std::string_view name = {},
                    char *device = nullptr) noexcept;

  RegionHeader header_{};
  RegionView view_{};
  std::string name_;
  bool created_ = false;
};

}  // namespace unimem
