#include "unimem/memory/allocator/malloc_allocator.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "unimem/core/align.hpp"

namespace unimem {

std::unique_ptr<MallocAllocator> MallocAllocator::create(AllocatorId id) {
  return std::unique_ptr<MallocAllocator>(new MallocAllocator(id));
}

MallocAllocator::~MallocAllocator() {
  for (const auto &[addr, block] : live_) std::free(reinterpret_cast<void *>(addr));
}

void MallocAllocator::record(std::uint64_t addr, std::size_t bytes) {
  const std::uint32_t c = bytes <= size_classes::kMaxSize ? size_classes::class_of(bytes) : size_classes::kCount;
  live_[addr] = Block{bytes, c};
  if (c < size_classes::kCount) ++stats_.classes[c].live_blocks;
  else ++stats_.large_blocks;
  stats_.bytes_in_use += bytes;
  stats_.peak_bytes_in_use = std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
}

OffsetPtr<void> MallocAllocator::allocate_offset(const MemContext &ctx, std::size_t bytes) {
  return aligned_allocate_offset(ctx, bytes, 16);
}

OffsetPtr<void> MallocAllocator::aligned_allocate_offset(const MemContext &, std::size_t bytes, std::size_t alignment) {
  // Beyond PTRDIFF_MAX no object can exist (glibc refuses too); checked here so that sanitizer
  // runtimes, which abort on such requests, answer the same.
  if (alignment == 0 || !is_pow2(alignment) || alignment > kMaxAlignment || bytes > PTRDIFF_MAX) return {};
  if (bytes == 0) bytes = 1;
  void *p = nullptr;
  if (posix_memalign(&p, std::max<std::size_t>(alignment, sizeof(void *)), bytes) != 0) return {};
  std::lock_guard lock(mu_);
  record(reinterpret_cast<std::uint64_t>(p), bytes);
  return OffsetPtr<void>(reinterpret_cast<std::uint64_t>(p));
}

OffsetPtr<void> MallocAllocator::reallocate_offset(const MemContext &ctx, OffsetPtr<void> p, std::size_t bytes) {
  if (p.is_null()) return allocate_offset(ctx, bytes);
  const std::size_t old = usable_size(p);
  if (old == 0) return {};
  const OffsetPtr<void> moved = allocate_offset(ctx, bytes);
  if (moved.is_null()) return {};
  std::memcpy(reinterpret_cast<void *>(moved.offset()), reinterpret_cast<void *>(p.offset()), std::min(old, bytes));
  (void)free_offset(ctx, p);
  return moved;
}

Errc MallocAllocator::free_offset(const MemContext &, OffsetPtr<void> p) {
  if (p.is_null()) return Errc::ok;
  {
    std::lock_guard lock(mu_);
    auto it = live_.find(p.offset());
    if (it == live_.end()) return Errc::invalid_argument;
    if (it->second.size_class < size_classes::kCount) --stats_.classes[it->second.size_class].live_blocks;
    else --stats_.large_blocks;
    stats_.bytes_in_use -= it->second.bytes;
    live_.erase(it);
  }
  std::free(reinterpret_cast<void *>(p.offset()));
  return Errc::ok;
}

std::size_t MallocAllocator::usable_size(OffsetPtr<void> p) const {
  std::lock_guard lock(mu_);
  auto it = live_.find(p.offset());
  return it == live_.end() ? 0 : it->second.bytes;
}

AllocatorStats MallocAllocator::stats() const {
  std::lock_guard lock(mu_);
  AllocatorStats s = stats_;
  s.bytes_reserved = s.bytes_in_use;  // the C heap's own overhead is not visible from here
  s.peak_bytes_reserved = s.peak_bytes_in_use;
  return s;
}

}  // namespace unimem
