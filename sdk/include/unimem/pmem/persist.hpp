// Making stores durable. On PMEM mapped with cache-line granularity (DAX), a store is durable once
// its cache line is written back (flush) and the write-back is ordered (drain). On a mapping with page
// granularity (a file in the page cache, e.g. the tests' pools on /dev/shm) the kernel must write the
// page back: msync. persist() picks the right one for the address: an address inside an open
// PmemPool follows that pool's granularity, which libpmem2 reports; any other address is flushed.
//
// Thread safety: every function may be called from any thread.
#pragma once

#include <cstddef>

#include "unimem/core/error.hpp"

namespace unimem::pmem {

/// The cache-line write-back instruction flush() uses: the best of clwb (keeps the line cached),
/// clflushopt (evicts it, unordered), clflush (evicts, serialising), by CPUID.
enum class FlushInstruction { clwb, clflushopt, clflush };

/// @brief "clwb", "clflushopt" or "clflush".
const char *flush_instruction_name(FlushInstruction f) noexcept;
/// @brief The instruction this CPU uses.
FlushInstruction flush_instruction() noexcept;

/// @brief Writes back every cache line touching [addr, addr + n) (not yet ordered: drain()).
void flush(const void *addr, std::size_t n) noexcept;
/// @brief Orders the flushes and non-temporal stores before it (sfence).
void drain() noexcept;

/// @brief Makes [addr, addr + n) durable: msync when it lies in a pool of page granularity,
/// flush + drain otherwise.
/// @return io_error when msync fails (the message has errno).
Result<void> persist(const void *addr, std::size_t n);

/// @brief memcpy_nt, then persist the destination (only the lines written through the cache need
/// a flush on cache-line pools; the streamed ones are drained).
Result<void> memcpy_persist(void *dst, const void *src, std::size_t n);

}  // namespace unimem::pmem
