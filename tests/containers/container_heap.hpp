// A region plus allocator for container tests, for each allocator the containers are instantiated
// with: the conformance suites are typed over these.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>

#include "unimem/memory/allocator/malloc_allocator.hpp"
#include "unimem/memory/allocator/scalable_page_allocator.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/backend/malloc_backend.hpp"

namespace unimem::test {

template <class A>
struct Heap {
  explicit Heap(std::size_t bytes = std::size_t{64} << 20) {
    if constexpr (std::is_same_v<A, MallocAllocator>) {
      alloc = MallocAllocator::create(AllocatorId{1});
    } else {
      auto b = MallocBackend::create(bytes);
      EXPECT_TRUE(b) << b.error().what();
      backend = std::move(*b);
      auto a = A::create(*backend, AllocatorId{1});
      EXPECT_TRUE(a) << a.error().what();
      alloc = std::move(*a);
    }
  }
  std::unique_ptr<MallocBackend> backend;
  std::unique_ptr<A> alloc;
};

/// The fixture of every container test: a fresh heap of @p Bytes per test.
template <class A, std::size_t Bytes = std::size_t{64} << 20>
class HeapTest : public ::testing::Test {
 protected:
  Heap<A> heap{Bytes};
};

using RegionAllocators = ::testing::Types<ThreadLocalAllocator, ScalablePageAllocator>;
using AllAllocators = ::testing::Types<ThreadLocalAllocator, ScalablePageAllocator, MallocAllocator>;

}  // namespace unimem::test
