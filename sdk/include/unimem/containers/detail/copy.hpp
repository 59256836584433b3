// Byte copies for trivially copyable elements, on host and device: libc's memcpy/memmove on the
// host, loops on the device (CUDA and HIP have memcpy but no overlapping memmove); and the order
// of a container's own stores, for writers killed between two of them.
#pragma once

#include <cstddef>
#include <cstring>

#include "unimem/core/config.hpp"

namespace unimem::detail {

UNIMEM_HOST_DEVICE inline void copy_bytes(void *dst, const void *src, std::size_t n) noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  memcpy(dst, src, n);
#else
  std::memcpy(dst, src, n);
#endif
}

/// Copies @p n bytes between ranges that may overlap.
UNIMEM_HOST_DEVICE inline void move_bytes(void *dst, const void *src, std::size_t n) noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  auto *d = static_cast<unsigned char *>(dst);
  const auto *s = static_cast<const unsigned char *>(src);
  if (d < s) {
    for (std::size_t i = 0; i < n; ++i) d[i] = s[i];
  } else {
    for (std::size_t i = n; i > 0; --i) d[i - 1] = s[i - 1];
  }
#else
  std::memmove(dst, src, n);
#endif
}

/// The stores before this point are made before those after it, as far as the compiler goes: a
/// host process killed between two of them leaves them in program order. (No fence: the order other
/// threads see is not in question, a single writer excludes them; in a kernel it orders the
/// compiler only.)
UNIMEM_HOST_DEVICE inline void store_order() noexcept { asm volatile("" ::: "memory"); }

}  // namespace unimem::detail
