// The per-ISA bodies (memcpy_nt_<isa>.cpp), each built with its own flags; memcpy_nt.cpp dispatches.
#pragma once

#include <cstddef>

namespace unimem::pmem::detail {

void move_nt_sse2(void *dst, const void *src, std::size_t n) noexcept;
void move_nt_avx2(void *dst, const void *src, std::size_t n) noexcept;
void move_nt_avx512f(void *dst, const void *src, std::size_t n) noexcept;

}  // namespace unimem::pmem::detail

namespace unimem::pmem::detail {

/// The dispatched copy for one chunk of a copy of @p total bytes: the threshold applies to the whole.
void move_chunk(void *dst, const void *src, std::size_t n, std::size_t total) noexcept;

/// memcpy_nt_parallel; @p streaming uses non-temporal stores whatever the size (staging buffers are
/// read by a DMA engine next, not by this CPU).
void copy_parallel(void *dst, const void *src, std::size_t n, unsigned threads, bool streaming);

}  // namespace unimem::pmem::detail
