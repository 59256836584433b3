// AllocatorHandle: what the MemoryManager owns for a registered allocator. Allocators keep their
// state in their region; a handle is this process's view of it (plus process-local state such as
// thread bindings), so it is a host object with a virtual destructor.
#pragma once

#include <cstdint>

#include "unimem/memory/allocator_id.hpp"
#include "unimem/memory/allocator/allocator_stats.hpp"

namespace unimem {

class AllocatorHandle {
 public:
  AllocatorHandle(const AllocatorHandle &) = delete;
  AllocatorHandle &operator=(const AllocatorHandle &) = delete;
  virtual ~AllocatorHandle() = default;

  AllocatorId id() const noexcept { return id_; }
  /// @brief Where this allocator's offsets count from, in this process (0 for MallocAllocator).
  char *base() const noexcept { return base_; }
  /// @brief Bytes from base() that offsets may address.
  std::uint64_t extent() const noexcept { return extent_; }
  virtual AllocatorStats stats() const = 0;

 protected:
  AllocatorHandle(AllocatorId id, char *base, std::uint64_t extent) : id_(id), base_(base), extent_(extent) {}

 private:
  AllocatorId id_;
  char *base_;
  std::uint64_t extent_;
};

}  // namespace unimem
