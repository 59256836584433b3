// MallocAllocator: the baseline of the seed. It ignores backends and allocates from the C heap of
// this process, so its offsets are plain addresses (its base is 0) and mean nothing in another
// process or a kernel. It keeps a table of its live blocks, which makes every foreign pointer and
// double free a clear error and its statistics exact, at the price of a lock per call.
// Host only. Thread safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "unimem/core/error.hpp"
#include "unimem/memory/allocator/allocator_base.hpp"
#include "unimem/memory/allocator/allocator_handle.hpp"
#include "unimem/memory/allocator/mem_context.hpp"

namespace unimem {

class MallocAllocator final : public AllocatorHandle, public AllocatorBase<MallocAllocator> {
 public:
  static std::unique_ptr<MallocAllocator> create(AllocatorId id);
  ~MallocAllocator() override;

  using AllocatorHandle::base;
  using AllocatorHandle::id;

  OffsetPtr<void> allocate_offset(const MemContext &ctx, std::size_t bytes);
  OffsetPtr<void> aligned_allocate_offset(const MemContext &ctx, std::size_t bytes, std::size_t alignment);
  OffsetPtr<void> reallocate_offset(const MemContext &ctx, OffsetPtr<void> p, std::size_t bytes);
  Errc free_offset(const MemContext &ctx, OffsetPtr<void> p);
  void create_tls(MemContext &) {}
  void free_tls(const MemContext &) {}
  std::size_t usable_size(OffsetPtr<void> p) const;
  AllocatorStats stats() const override;

 private:
  explicit MallocAllocator(AllocatorId id) : AllocatorHandle(id, nullptr, ~std::uint64_t{0}) {}
  struct Block {
    std::size_t bytes;
    std::uint32_t size_class;  ///< size_classes::kCount for requests above the largest class
  };
  void record(std::uint64_t addr, std::size_t bytes);

  mutable std::mutex mu_;
  std::unordered_map<std::uint64_t, Block> live_;
  AllocatorStats stats_;
};

}  // namespace unimem
