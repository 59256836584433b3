// One conformance suite for every allocator: the seed's API, alignment, reallocation, statistics,
// bad frees, and a randomised differential test against a model.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>

#include "allocator_fixtures.hpp"

using namespace unimem;

template <class Fixture>
class AllocatorConformance : public ::testing::Test {
 protected:
  Fixture f;
  typename Fixture::Allocator &a = *f.alloc;
  MemContext ctx{};
};

using Fixtures = ::testing::Types<test::TlaFixture<CheckLevel::full>, test::TlaFixture<CheckLevel::cheap>,
                                  test::SpaFixture<CheckLevel::full>, test::MallocFixture>;
TYPED_TEST_SUITE(AllocatorConformance, Fixtures);

namespace {

// A pattern on every 61st byte (and the last), so that large blocks stay cheap to check; which
// bytes are written depends only on their index, so any prefix of a block can be checked.
constexpr std::size_t kStride = 61;
char pattern_at(std::size_t i, std::uint64_t seed) { return static_cast<char>((i * 131 + seed * 7919) >> 3); }
void fill(char *p, std::size_t n, std::uint64_t seed) {
  for (std::size_t i = 0; i < n; i += kStride) p[i] = pattern_at(i, seed);
  p[n - 1] = pattern_at(n - 1, seed);
}
/// Checks the first @p n bytes of a block filled with fill(p, written, seed).
bool holds(const char *p, std::size_t n, std::uint64_t seed, std::size_t written) {
  for (std::size_t i = 0; i < n; i += kStride)
    if (p[i] != pattern_at(i, seed)) return false;
  return n < written || p[n - 1] == pattern_at(n - 1, seed);
}

}  // namespace

TYPED_TEST(AllocatorConformance, AllocateWriteFreeEverySizeClass) {
  std::vector<FullPtr<char>> blocks;
  for (std::size_t size : {1, 15, 16, 17, 100, 128, 129, 256, 1000, 4096, 65535, 65536, 200000, 262144, 262145,
                           1 << 20, 5 << 20}) {
    auto p = this->a.template allocate<char>(this->ctx, size);
    ASSERT_FALSE(p.is_null()) << size;
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p.ptr) % 16, 0u) << size;
    EXPECT_GE(this->a.usable_size(OffsetPtr<void>(p.shm.off.offset())), size);
    EXPECT_EQ(p.shm.alloc, test::kTestAlloc);
    fill(p.ptr, size, size);
    blocks.push_back(p);
  }
  for (auto &p : blocks) {
    const std::size_t size = this->a.usable_size(OffsetPtr<void>(p.shm.off.offset()));
    (void)size;
    EXPECT_TRUE(this->a.free(this->ctx, p));
  }
  EXPECT_EQ(this->a.stats().bytes_in_use, 0u);
}

TYPED_TEST(AllocatorConformance, AlignedAllocationHonoursEveryPowerOfTwo) {
  for (std::size_t align = 1; align <= (std::size_t{2} << 20); align <<= 1) {
    for (std::size_t size : {std::size_t{1}, std::size_t{24}, align, align + 1, std::size_t{300000}}) {
      auto p = this->a.try_allocate(this->ctx, size, align);
      ASSERT_TRUE(p) << p.error().what();
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p->ptr) % align, 0u) << "align " << align << " size " << size;
      std::memset(p->ptr, 0x5a, size);
      EXPECT_TRUE(this->a.free(this->ctx, *p));
    }
  }
  for (std::size_t bad : {std::size_t{0}, std::size_t{3}, std::size_t{48}, std::size_t{4} << 20}) {
    EXPECT_TRUE(this->a.aligned_allocate_offset(this->ctx, 64, bad).is_null()) << bad;
    EXPECT_EQ(this->a.try_allocate(this->ctx, 64, bad).code(), Errc::invalid_argument) << bad;
  }
}

TYPED_TEST(AllocatorConformance, ReallocateKeepsContents) {
  auto &a = this->a;
  OffsetPtr<void> p = a.reallocate_offset(this->ctx, {}, 10);  // null: allocates
  ASSERT_FALSE(p.is_null());
  std::size_t size = 10;
  fill(static_cast<char *>(a.to_address(p)), size, 1);
  for (std::size_t next : {20, 100, 5000, 70000, 300000, 3 << 20, 3 << 20 | 5, 200000, 50, 8}) {
    OffsetPtr<void> q = a.reallocate_offset(this->ctx, p, next);
    ASSERT_FALSE(q.is_null()) << next;
    EXPECT_TRUE(holds(static_cast<char *>(a.to_address(q)), std::min(size, next), 1, size)) << size << " -> " << next;
    size = next;
    fill(static_cast<char *>(a.to_address(q)), size, 1);
    p = q;
  }
  // Sizes that cannot be met fail and keep the block.
  EXPECT_TRUE(a.reallocate_offset(this->ctx, p, ~std::size_t{0}).is_null());
  EXPECT_TRUE(a.reallocate_offset(this->ctx, p, ~std::size_t{0} - 70000).is_null());
  EXPECT_TRUE(holds(static_cast<char *>(a.to_address(p)), size, 1, size));
  EXPECT_TRUE(a.free(this->ctx, p));
  EXPECT_EQ(a.stats().bytes_in_use, 0u);
}

TYPED_TEST(AllocatorConformance, BadFreesAreErrorsAndChangeNothing) {
  auto &a = this->a;
  auto live = a.template allocate<char>(this->ctx, 100);
  ASSERT_FALSE(live.is_null());
  const auto before = a.stats();
  const OffsetPtr<void> off(live.shm.off.offset());
  EXPECT_EQ(a.free_offset(this->ctx, OffsetPtr<void>(off.offset() + 8)), Errc::invalid_argument);  // inside a block
  EXPECT_EQ(a.free_offset(this->ctx, OffsetPtr<void>(1)), Errc::invalid_argument);  // not in the heap
  auto r = a.free(this->ctx, OffsetPtr<void>(off.offset() + 16));
  EXPECT_EQ(r.code(), Errc::invalid_argument);
  EXPECT_NE(r.error().message().find("not a live block"), std::string::npos);
  if constexpr (TypeParam::kSlab) {  // the next block of the span, never handed out
    const OffsetPtr<void> next(off.offset() + a.usable_size(off));
    EXPECT_EQ(a.free_offset(this->ctx, next), Errc::invalid_argument);
  }
  EXPECT_EQ(a.stats().bytes_in_use, before.bytes_in_use);
  EXPECT_TRUE(a.free(this->ctx, off));
  EXPECT_EQ(a.free_offset(this->ctx, off), Errc::invalid_argument);  // double free, at every check level
  bool cheap_checks = false;
  if constexpr (TypeParam::kSlab) cheap_checks = a.checks() == CheckLevel::cheap;
  if (cheap_checks) {
    // Without the allocated-bit table an older small double free is not detectable; a large one is.
    auto big = a.template allocate<char>(this->ctx, 1 << 20);
    ASSERT_TRUE(a.free(this->ctx, big));
    EXPECT_EQ(a.free(this->ctx, big).code(), Errc::invalid_argument);
  }
  EXPECT_EQ(a.stats().bytes_in_use, 0u);
  EXPECT_TRUE(a.free(this->ctx, OffsetPtr<void>()));  // null is a no-op
  auto again = a.template allocate<char>(this->ctx, 100);  // still healthy
  EXPECT_FALSE(again.is_null());
  EXPECT_TRUE(a.free(this->ctx, again));
  if constexpr (TypeParam::kSlab) {  // a pointer of another allocator
    FullPtr<char> other = a.template allocate<char>(this->ctx, 100);
    other.shm.alloc = AllocatorId{other.shm.alloc.value + 1};
    const auto in_use = a.stats().bytes_in_use;
    auto wrong = a.free(this->ctx, other);
    EXPECT_EQ(wrong.code(), Errc::invalid_argument);
    EXPECT_NE(wrong.error().message().find("belongs to allocator"), std::string::npos);
    EXPECT_EQ(a.stats().bytes_in_use, in_use);
    other.shm.alloc = a.id();
    EXPECT_TRUE(a.free(this->ctx, other));
  }
}

TYPED_TEST(AllocatorConformance, StatsCountEveryClass) {
  auto &a = this->a;
  std::vector<FullPtr<char>> ps;
  for (int i = 0; i < 10; ++i) ps.push_back(a.template allocate<char>(this->ctx, 24));  // class 1 (32 B)
  for (int i = 0; i < 3; ++i) ps.push_back(a.template allocate<char>(this->ctx, 1000));
  auto s = a.stats();
  EXPECT_EQ(s.classes[size_classes::class_of(24)].live_blocks, 10u);
  EXPECT_EQ(s.classes[size_classes::class_of(1000)].live_blocks, 3u);
  std::uint64_t expect = 0;
  for (auto &p : ps) expect += a.usable_size(OffsetPtr<void>(p.shm.off.offset()));
  EXPECT_EQ(s.bytes_in_use, expect);
  EXPECT_GE(s.peak_bytes_in_use, expect);
  EXPECT_GE(s.bytes_reserved, expect);
  for (auto &p : ps) ASSERT_TRUE(a.free(this->ctx, p));
  s = a.stats();
  EXPECT_EQ(s.bytes_in_use, 0u);
  EXPECT_EQ(s.classes[size_classes::class_of(24)].live_blocks, 0u);
  EXPECT_GE(s.peak_bytes_in_use, expect);
}

// Random allocate / aligned allocate / reallocate / free with sizes from 1 B to 16 MiB, checked
// against a model of the live blocks: no overlap, alignment, contents kept, statistics consistent.
TYPED_TEST(AllocatorConformance, RandomisedAgainstAModel) {
  auto &a = this->a;
  struct Live {
    std::size_t size;
    std::uint64_t seed;
  };
  std::map<std::uint64_t, Live> model;  // address -> block
  std::mt19937_64 rng(20261121);
  auto random_size = [&] {  // log-uniform over 1 B .. 16 MiB
    const std::size_t low = std::size_t{1} << (rng() % 24);
    return low + rng() % low;
  };
  std::size_t live_bytes = 0;  // kept under 192 MiB so fragmentation never exhausts the 512 MiB heap
  auto overlaps = [&](std::uint64_t addr, std::size_t size) {
    auto it = model.upper_bound(addr);
    if (it != model.end() && it->first < addr + size) return true;
    if (it != model.begin() && std::prev(it)->first + std::prev(it)->second.size > addr) return true;
    return false;
  };
  std::uint64_t seq = 0;
  for (int op = 0; op < 3000; ++op) {
    const int kind = static_cast<int>(rng() % 10);
    if ((kind < 4 && live_bytes < (192u << 20)) || model.empty()) {  // allocate, sometimes aligned
      const std::size_t size = random_size();
      const std::size_t align = kind == 0 ? std::size_t{1} << (rng() % 22) : 16;
      const OffsetPtr<void> p = a.aligned_allocate_offset(this->ctx, size, align);
      ASSERT_FALSE(p.is_null()) << "size " << size << " align " << align;
      auto *c = static_cast<char *>(a.to_address(p));
      const auto addr = reinterpret_cast<std::uint64_t>(c);
      ASSERT_EQ(addr % align, 0u);
      ASSERT_FALSE(overlaps(addr, size)) << "overlap at op " << op;
      fill(c, size, ++seq);
      model[addr] = Live{size, seq};
      live_bytes += size;
    } else {
      auto it = model.begin();
      std::advance(it, static_cast<long>(rng() % model.size()));
      auto *c = reinterpret_cast<char *>(it->first);
      ASSERT_TRUE(holds(c, it->second.size, it->second.seed, it->second.size)) << "block damaged before op " << op;
      const OffsetPtr<void> p = a.to_offset(static_cast<void *>(c));
      if (kind < 7) {  // reallocate
        const std::size_t size = random_size();
        const Live old = it->second;
        model.erase(it);
        live_bytes += size - old.size;
        const OffsetPtr<void> q = a.reallocate_offset(this->ctx, p, size);
        ASSERT_FALSE(q.is_null());
        auto *qc = static_cast<char *>(a.to_address(q));
        const auto qa = reinterpret_cast<std::uint64_t>(qc);
        ASSERT_FALSE(overlaps(qa, size)) << "overlap after reallocate at op " << op;
        ASSERT_TRUE(holds(qc, std::min(old.size, size), old.seed, old.size)) << "reallocate lost contents at op " << op;
        fill(qc, size, ++seq);
        model[qa] = Live{size, seq};
      } else {
        ASSERT_EQ(a.free_offset(this->ctx, p), Errc::ok);
        live_bytes -= it->second.size;
        model.erase(it);
      }
    }
  }
  std::uint64_t expect = 0;
  for (auto &[addr, live] : model) {
    ASSERT_TRUE(holds(reinterpret_cast<char *>(addr), live.size, live.seed, live.size));
    expect += a.usable_size(a.to_offset(reinterpret_cast<void *>(addr)));
  }
  EXPECT_EQ(a.stats().bytes_in_use, expect);
  for (auto &[addr, live] : model) ASSERT_EQ(a.free_offset(this->ctx, a.to_offset(reinterpret_cast<void *>(addr))), Errc::ok);
  EXPECT_EQ(a.stats().bytes_in_use, 0u);
}
