// Non-temporal copies: the fast path that writes PMEM and staging buffers without dragging the data
// through the caches (PMDK's memmove_nodrain body, as the CachedArrays seed asks).
//
//   dst not 64-aligned    ordinary stores until it is
//   32 x 64 bytes         unrolled non-temporal stores, as often as possible
//   16/8/4/2/1 x 64       the remaining whole lines
//   < 64 bytes            ordinary stores
//   sfence                the non-temporal stores are globally visible before memcpy_nt returns
//
// Copies shorter than nt_threshold() (derived from the cache sizes) are plain memmove: data that
// fits in the caches is copied fastest through them. Overlapping ranges are moved like memmove
// (forward or backward by the pointers' relative position).
//
// One body, compiled three times (AVX-512F, AVX2, SSE2) in translation units with their own flags;
// the best one the CPU and OS support (CPUID + XGETBV) is chosen on first use. The environment
// variable UNIMEM_MEMCPY_ISA=sse2|avx2|avx512f forces a lower one (a higher one than the machine
// has is ignored, with one line on stderr). UNIMEM_MEMCPY_NT_THRESHOLD=BYTES overrides the threshold.
//
// Thread safety: every function may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ranges>
#include <type_traits>

#include "unimem/core/error.hpp"

namespace unimem::pmem {

enum class CopyIsa { sse2, avx2, avx512f };

/// @brief "sse2", "avx2" or "avx512f".
const char *copy_isa_name(CopyIsa isa) noexcept;
/// @brief Whether this CPU (and its OS) can run @p isa's body.
bool copy_isa_supported(CopyIsa isa) noexcept;
/// @brief The ISA memcpy_nt uses in this process (chosen once).
CopyIsa copy_isa() noexcept;
/// @brief Copies shorter than this many bytes use ordinary stores.
std::size_t nt_threshold() noexcept;

/// @brief Copies @p n bytes from @p src to @p dst (overlap allowed) as described above.
/// @return dst.
void *memcpy_nt(void *dst, const void *src, std::size_t n) noexcept;

/// @brief @p isa's non-temporal body for any size (no threshold): for tests and benchmarks.
/// @return unsupported when this CPU lacks @p isa (nothing copied).
Result<void> memcpy_nt(CopyIsa isa, void *dst, const void *src, std::size_t n) noexcept;

/// @brief memcpy_nt split over @p threads threads (0: the count measured best on this machine) in
/// chunks of whole pages; the caller's thread copies one chunk. Overlapping ranges are copied by one
/// thread. For copies bound by memory bandwidth (megabytes and up).
void memcpy_nt_parallel(void *dst, const void *src, std::size_t n, unsigned threads = 0);

/// @brief The thread count memcpy_nt_parallel(…, 0) uses: measured once, on first call, by copying
/// 64 MiB with 1, 2, 4 … threads up to the hardware's and keeping the fewest within 5% of the best.
unsigned measured_copy_threads();

namespace detail {
Result<void> fast_memcpy_bytes(void *dst, const void *src, std::size_t dst_bytes, std::size_t src_bytes);
}  // namespace detail

/// @brief The seed's fast_memcpy: copies one contiguous array (span, vector, std::array ...) into
/// another of the same element type with memcpy_nt.
/// @return invalid_argument when the byte sizes differ or either array is not 64-byte aligned (the
/// message names both addresses); nothing is copied then.
template <std::ranges::contiguous_range D, std::ranges::contiguous_range S>
  requires std::is_same_v<std::ranges::range_value_t<D>, std::ranges::range_value_t<S>> &&
           std::is_trivially_copyable_v<std::ranges::range_value_t<D>> &&
           (!std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<D>>>)
Result<void> fast_memcpy(D &&dst, S &&src) {
  using T = std::ranges::range_value_t<D>;
  return detail::fast_memcpy_bytes(std::ranges::data(dst), std::ranges::data(src),
                                   std::ranges::size(dst) * sizeof(T), std::ranges::size(src) * sizeof(T));
}

}  // namespace unimem::pmem
