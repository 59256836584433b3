// The allocators unimem's are measured against, behind one shape: alloc(bytes) / free(p), plus
// the bytes each has taken from the system (for memory overhead). jemalloc and mimalloc are loaded
// with dlopen(RTLD_LOCAL) and called through their own entry points (found with dlsym in the library): linking
// them would replace glibc's malloc for the whole program, and glibc is a peer too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <benchmark/benchmark.h>

namespace unimem::bench {

struct PeerAllocator {
  std::string name;
  void *(*alloc)(std::size_t) = nullptr;
  void (*free)(void *) = nullptr;
  /// Bytes taken from the system so far (what "reserved" means for this allocator), or 0 if unknown.
  std::uint64_t (*reserved)() = nullptr;
  bool available() const noexcept { return alloc != nullptr; }
};

const PeerAllocator &glibc_malloc();
const PeerAllocator &jemalloc();  ///< not available() if libjemalloc cannot be loaded
/// jemalloc with an arena of its own and an explicit tcache per thread (what a created heap does).
const PeerAllocator &jemalloc_arena();
const PeerAllocator &mimalloc();

/// malloc + free of one block of @p size per iteration (the thread-cache hit path).
void alloc_pair(benchmark::State &st, PeerAllocator a, std::size_t size);
/// 10000 blocks of 16 + (i % 16) * @p step bytes, then all freed, per iteration.
void alloc_batch(benchmark::State &st, PeerAllocator a, std::size_t step);

}  // namespace unimem::bench
