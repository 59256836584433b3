// PmemHeap: memkind's PMEM kind on /dev/shm, with the malloc contract, its limit, and its errors.
#include "unimem/pmem/pmem_heap.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

#include "support/test_support.hpp"

using namespace unimem;
using namespace unimem::pmem;

namespace {

TEST(PmemHeap, MallocCallocReallocAlignedFree) {
  auto heap = PmemHeap::create("/dev/shm");
  UNIMEM_ASSERT_OK(heap);
  auto &h = *heap;
  EXPECT_EQ(h.directory(), "/dev/shm");

  auto *p = static_cast<unsigned char *>(h.malloc(1000));
  ASSERT_NE(p, nullptr);
  EXPECT_GE(h.usable_size(p), 1000u);
  for (int i = 0; i < 1000; ++i) p[i] = static_cast<unsigned char>(i);
  p = static_cast<unsigned char *>(h.realloc(p, 1 << 20));
  ASSERT_NE(p, nullptr);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(p[i], static_cast<unsigned char>(i));
  auto allocated = h.allocated_bytes();
  UNIMEM_ASSERT_OK(allocated);
  EXPECT_GE(*allocated, std::size_t{1} << 20);
  h.free(p);

  auto *dirty = static_cast<unsigned char *>(h.malloc(4096 * sizeof(std::uint64_t)));
  ASSERT_NE(dirty, nullptr);
  std::memset(dirty, 0xff, 4096 * sizeof(std::uint64_t));
  h.free(dirty);  // calloc may get this block back: it must still come zeroed
  EXPECT_EQ(h.calloc(SIZE_MAX / 2, 4), nullptr) << "count * size overflows";
  auto *z = static_cast<std::uint64_t *>(h.calloc(4096, sizeof(std::uint64_t)));
  ASSERT_NE(z, nullptr);
  for (int i = 0; i < 4096; ++i) ASSERT_EQ(z[i], 0u);
  h.free(z);

  for (std::size_t a : {64u, 4096u, 1u << 21}) {
    void *q = h.aligned_alloc(a, 100);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(q) % a, 0u);
    h.free(q);
  }
  EXPECT_EQ(h.aligned_alloc(48, 100), nullptr) << "alignment must be a power of two";
  EXPECT_EQ(h.malloc(0), nullptr);
  h.free(nullptr);
  EXPECT_EQ(h.usable_size(nullptr), 0u);
}

TEST(PmemHeap, NeverHandsOutMoreThanItsLimit) {
  auto heap = PmemHeap::create("/dev/shm", PmemHeap::kMinBytes);
  UNIMEM_ASSERT_OK(heap);
  std::vector<void *> blocks;
  std::size_t total = 0;
  while (void *p = heap->malloc(1 << 20)) {
    blocks.push_back(p);
    total += 1 << 20;
    ASSERT_LE(total, PmemHeap::kMinBytes);
  }
  EXPECT_GT(blocks.size(), 0u);
  for (void *p : blocks) heap->free(p);
  EXPECT_NE(heap->malloc(1 << 20), nullptr) << "freed memory is reused";
}

TEST(PmemHeap, MovedHeapKeepsItsKind) {
  auto heap = PmemHeap::create("/dev/shm");
  UNIMEM_ASSERT_OK(heap);
  PmemHeap moved = std::move(*heap);
  void *p = moved.malloc(64);
  ASSERT_NE(p, nullptr);
  moved.free(p);
  // The moved-from heap allocates and frees nothing (memkind would dereference its null kind).
  EXPECT_EQ(heap->malloc(64), nullptr);
  EXPECT_EQ(heap->calloc(1, 64), nullptr);
  EXPECT_EQ(heap->aligned_alloc(64, 64), nullptr);
  EXPECT_EQ(heap->realloc(nullptr, 64), nullptr);
  heap->free(&p);
  EXPECT_EQ(heap->usable_size(&p), 0u);
  EXPECT_EQ(heap->allocated_bytes().code(), Errc::invalid_argument);
}

TEST(PmemHeap, BadDirectoriesAreClearErrors) {
  EXPECT_EQ(PmemHeap::create("").code(), Errc::invalid_argument);
  EXPECT_EQ(PmemHeap::create("/dev/shm/no-such-dir-unimem").code(), Errc::not_found);
  const std::string file = "/dev/shm/" + test::unique_name("heapfile");
  { std::ofstream(file) << "x"; }
  EXPECT_EQ(PmemHeap::create(file).code(), Errc::invalid_argument);
  std::remove(file.c_str());
  auto small = PmemHeap::create("/dev/shm", PmemHeap::kMinBytes - 1);
  EXPECT_EQ(small.code(), Errc::invalid_argument);
  EXPECT_NE(small.error().message().find("minimum"), std::string::npos);
  EXPECT_FALSE(is_dax_directory("/dev/shm"));
  // A directory where no file can be made (read-only /sys, even for root): the file's error, not
  // memkind's "invalid input".
  auto ro = PmemHeap::create("/sys");
  ASSERT_FALSE(ro);
  EXPECT_NE(ro.code(), Errc::unsupported) << ro.error().what();
  EXPECT_NE(ro.error().message().find("/sys"), std::string::npos);
}

}  // namespace
