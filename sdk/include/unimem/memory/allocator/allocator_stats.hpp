// AllocatorStats: what every allocator reports. Small blocks are counted at their class size (they
// have no header recording the requested size); page runs at the size requested. Exact when no
// call is in flight; taken while threads allocate, they are a consistent estimate.
#pragma once

#include <array>
#include <cstdint>

#include "unimem/memory/allocator/size_classes.hpp"

namespace unimem {

struct AllocatorStats {
  std::uint64_t bytes_in_use = 0;       ///< live blocks, at their class size (page runs: as requested)
  std::uint64_t peak_bytes_in_use = 0;  ///< high-water mark of bytes_in_use (see each allocator for precision)
  std::uint64_t bytes_reserved = 0;     ///< memory taken from the backend for blocks and runs
  std::uint64_t peak_bytes_reserved = 0;
  std::uint64_t capacity_bytes = 0;     ///< what the backend offers for blocks and runs
  std::uint64_t large_blocks = 0;       ///< live page runs (requests above size_classes::kMaxSize)
  struct Class {
    std::uint64_t live_blocks = 0;  ///< allocated and not freed
    std::uint64_t spans = 0;        ///< spans (page groups) holding blocks of this class (slab allocators)
  };
  std::array<Class, size_classes::kCount> classes{};
};

}  // namespace unimem
