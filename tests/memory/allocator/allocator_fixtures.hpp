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

/// A slab allocator A (with the given checks) over a named shm region.
template <class A, CheckLevel Checks>
struct SlabFixture {
  using Allocator = A;
  static constexpr bool kSlab = true;
  std::string name = unique_name("slab");
  ShmNameGuard guard{name};
  std::unique_ptr<PosixShmBackend> backend;
  std::unique_ptr<A> alloc;
  explicit SlabFixture(std::size_t bytes = std::size_t{512} << 20) {
    backend = std::move(PosixShmBackend::create(name, bytes).value());
    typename A::Options o;
    o.checks = Checks;
    alloc = std::move(A::create(*backend, kTestAlloc, o).value());
  }
};
template <CheckLevel Checks>
using TlaFixture = SlabFixture<ThreadLocalAllocator, Checks>;
template <CheckLevel Checks>
using SpaFixture = SlabFixture<ScalablePageAllocator, Checks>;

struct MallocFixture {
  using Allocator = MallocAllocator;
  static constexpr bool kSlab = false;
  std::unique_ptr<MallocAllocator> alloc = MallocAllocator::create(kTestAlloc);
  explicit MallocFixture(std::size_t = 0) {}
};

}  // namespace unimem::test
