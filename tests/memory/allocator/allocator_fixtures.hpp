// Fixtures that give the allocator tests an allocator of each kind over a fresh region.
#pragma once

#include <memory>
#include <string>

#include "support/test_support.hpp"
#include "unimem/memory/allocator/malloc_allocator.hpp"
#include "unimem/memory/allocator/scalable_page_allocator.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"

namespace unimem::test {

inline constexpr AllocatorId kTestAlloc{7};

/// A ThreadLocalAllocator (checks as given) over a named shm region.
template <CheckLevel Checks>
struct TlaFixture {
  using Allocator = ThreadLocalAllocator;
  static constexpr bool kSlab = true;
  std::string name = unique_name("tla");
  ShmNameGuard guard{name};
  std::unique_ptr<PosixShmBackend> backend;
  std::unique_ptr<ThreadLocalAllocator> alloc;
  explicit TlaFixture(std::size_t bytes = std::size_t{512} << 20) {
    backend = std::move(PosixShmBackend::create(name, bytes).value());
    SlabAllocatorOptions o;
    o.checks = Checks;
    alloc = std::move(ThreadLocalAllocator::create(*backend, kTestAlloc, o).value());
  }
};

template <CheckLevel Checks>
struct SpaFixture {
  using Allocator = ScalablePageAllocator;
  static constexpr bool kSlab = true;
  std::string name = unique_name("spa");
  ShmNameGuard guard{name};
  std::unique_ptr<PosixShmBackend> backend;
  std::unique_ptr<ScalablePageAllocator> alloc;
  explicit SpaFixture(std::size_t bytes = std::size_t{512} << 20) {
    backend = std::move(PosixShmBackend::create(name, bytes).value());
    alloc = std::move(ScalablePageAllocator::create(*backend, kTestAlloc, ScalablePageAllocator::Options{Checks}).value());
  }
};

struct MallocFixture {
  using Allocator = MallocAllocator;
  static constexpr bool kSlab = false;
  std::unique_ptr<MallocAllocator> alloc = MallocAllocator::create(kTestAlloc);
  explicit MallocFixture(std::size_t = 0) {}
};

}  // namespace unimem::test
