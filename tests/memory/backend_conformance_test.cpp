// One conformance suite for every host backend: create, write, read, header, destroy; named
// backends are also attached from a second process (fork + exec), detached and destroyed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "support/pattern.hpp"
#include "support/test_support.hpp"
#include "unimem/core/align.hpp"
#include "unimem/memory/backend/array_backend.hpp"
#include "unimem/memory/backend/malloc_backend.hpp"
#include "unimem/memory/backend/posix_mmap_backend.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"

using namespace unimem;

namespace {

struct ArrayMaker {
  static constexpr BackendKind kind = BackendKind::array;
  std::unique_ptr<char, decltype(&std::free)> buf{nullptr, &std::free};
  Result<std::unique_ptr<MemoryBackend>> make(std::size_t data_bytes) {
    const std::size_t total = data_bytes + RegionHeader::kHeaderBytes;
    buf.reset(static_cast<char *>(std::aligned_alloc(4096, align_up(total, 4096))));
    auto b = ArrayBackend::create(buf.get(), total);
    if (!b) return b.error();
    return std::unique_ptr<MemoryBackend>(std::move(*b));
  }
};

template <class B, BackendKind K>
struct AnonymousMaker {
  static constexpr BackendKind kind = K;
  Result<std::unique_ptr<MemoryBackend>> make(std::size_t data_bytes) {
    auto b = B::create(data_bytes);
    if (!b) return b.error();
    return std::unique_ptr<MemoryBackend>(std::move(*b));
  }
};

struct ShmMaker {
  static constexpr BackendKind kind = BackendKind::posix_shm;
  std::string name = test::unique_name("conformance");
  test::ShmNameGuard guard{name};
  Result<std::unique_ptr<MemoryBackend>> make(std::size_t data_bytes) {
    auto b = PosixShmBackend::create(name, data_bytes);
    if (!b) return b.error();
    return std::unique_ptr<MemoryBackend>(std::move(*b));
  }
};

}  // namespace

template <class Maker>
class BackendConformance : public ::testing::Test {
 protected:
  Maker maker;
};

using Makers = ::testing::Types<ArrayMaker, AnonymousMaker<MallocBackend, BackendKind::malloc>,
                                AnonymousMaker<PosixMmapBackend, BackendKind::posix_mmap>, ShmMaker>;
TYPED_TEST_SUITE(BackendConformance, Makers);

TYPED_TEST(BackendConformance, CreateWriteRead) {
  constexpr std::size_t kBytes = 3 * 1024 * 1024 + 123;  // not a multiple of anything
  auto b = this->maker.make(kBytes);
  ASSERT_TRUE(b) << b.error().what();
  MemoryBackend &be = **b;
  EXPECT_EQ(be.kind(), TypeParam::kind);
  EXPECT_TRUE(be.created());
  ASSERT_NE(be.data(), nullptr);
  EXPECT_TRUE(is_aligned(be.data(), 4096));
  EXPECT_GE(be.data_size(), kBytes);
  EXPECT_EQ(be.data(), be.base() + RegionHeader::kHeaderBytes);
  EXPECT_EQ(be.device_base(), nullptr);  // host-only backends
  const RegionHeader &h = be.header();
  EXPECT_EQ(h.magic, RegionHeader::kMagic);
  EXPECT_EQ(h.version, RegionHeader::kVersion);
  EXPECT_EQ(h.region_bytes, be.region_size());
  EXPECT_EQ(h.creator_pid, static_cast<std::uint32_t>(getpid()));
  EXPECT_EQ(std::memcmp(&h, be.base(), sizeof h), 0);  // the copy matches the region's first page
  test::fill_pattern(be.data(), be.data_size(), 7);
  EXPECT_EQ(test::find_pattern_mismatch(be.data(), be.data_size(), 7), std::nullopt);
  EXPECT_TRUE(validate_region_header(*reinterpret_cast<RegionHeader *>(be.base()), be.region_size(), "r"));
}

TYPED_TEST(BackendConformance, DestroyReleasesAndIsIdempotent) {
  auto b = this->maker.make(4096);
  ASSERT_TRUE(b) << b.error().what();
  EXPECT_TRUE((*b)->destroy());
  EXPECT_EQ((*b)->base(), nullptr);
  EXPECT_TRUE((*b)->destroy());
}

// Named backends: a second process attaches by name.
template <class Maker>
class NamedBackendConformance : public BackendConformance<Maker> {};
using NamedMakers = ::testing::Types<ShmMaker>;
TYPED_TEST_SUITE(NamedBackendConformance, NamedMakers);

TYPED_TEST(NamedBackendConformance, AttachFromAnotherProcessDetachDestroy) {
  auto made = this->maker.make(1 << 20);
  ASSERT_TRUE(made) << made.error().what();
  std::unique_ptr<MemoryBackend> b = std::move(*made);
  const std::string name = b->name();
  test::fill_pattern(b->data(), b->data_size(), 11);

  auto child = test::run_helper({"shm-verify", name, "11"});
  ASSERT_EQ(child.exit_code, 0) << child.out;
  EXPECT_EQ(child.out, "OK " + std::to_string(b->data_size()) + "\n");
  // The child's answer is visible here, in place.
  EXPECT_EQ(test::find_pattern_mismatch(b->data(), b->data_size(), 12), std::nullopt);

  b.reset();  // detach: the name stays
  EXPECT_TRUE(test::shm_exists(name));
  auto again = PosixShmBackend::attach(name);
  ASSERT_TRUE(again) << again.error().what();
  EXPECT_FALSE((*again)->created());
  EXPECT_EQ(test::find_pattern_mismatch((*again)->data(), (*again)->data_size(), 12), std::nullopt);
  EXPECT_TRUE((*again)->destroy());
  EXPECT_FALSE(test::shm_exists(name));
  EXPECT_EQ(PosixShmBackend::attach(name).code(), Errc::not_found);
}
