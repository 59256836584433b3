// libgmem's alignment rules as properties: inward for free_eager, outward for prefetch, at the
// boundaries of the address space, with size 0 and with overflowing ranges.
#include "unimem/gmem/page_range.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

using unimem::gmem::PageRange;
using unimem::gmem::pages_covering;
using unimem::gmem::pages_inside;
using u128 = unsigned __int128;

namespace {

constexpr std::uint64_t kMax = ~std::uint64_t{0};

// Addresses and sizes that sit on, just before and just after page boundaries, plus the extremes.
std::vector<std::uint64_t> interesting(std::uint64_t page) {
  std::vector<std::uint64_t> v{0, 1, page - 1, page, page + 1, 2 * page - 1, 2 * page, 3 * page + 7,
                               kMax, kMax - 1, kMax - page, kMax - page + 1, kMax - 2 * page};
  return v;
}

void check_inside(std::uint64_t addr, std::uint64_t size, std::uint64_t page) {
  SCOPED_TRACE(testing::Message() << "addr=" << addr << " size=" << size << " page=" << page);
  const u128 last = u128{addr} + size;
  auto r = pages_inside(addr, size, page);
  if (last > kMax) {
    EXPECT_FALSE(r.has_value()) << "a wrapping range must be refused";
    return;
  }
  ASSERT_TRUE(r.has_value());
  // The exact answer, computed in 128 bits: first page start >= addr, last page end <= addr + size.
  const u128 first = (u128{addr} + page - 1) / page * page;
  const u128 end = last / page * page;
  if (first >= end) {
    EXPECT_TRUE(r->empty());
    return;
  }
  EXPECT_EQ(r->begin, static_cast<std::uint64_t>(first));
  EXPECT_EQ(r->end, static_cast<std::uint64_t>(end));
  EXPECT_EQ(r->begin % page, 0u);
  EXPECT_EQ(r->end % page, 0u);
  EXPECT_GE(r->begin, addr);
  EXPECT_LE(u128{r->end}, last);
}

void check_covering(std::uint64_t addr, std::uint64_t size, std::uint64_t page) {
  SCOPED_TRACE(testing::Message() << "addr=" << addr << " size=" << size << " page=" << page);
  const u128 last = u128{addr} + size;
  auto r = pages_covering(addr, size, page);
  const u128 end = (last + page - 1) / page * page;
  if (last > kMax) {
    EXPECT_FALSE(r.has_value()) << "a wrapping range must be refused";
    return;
  }
  if (size == 0) {
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->empty());
    return;
  }
  if (end > kMax) {
    EXPECT_FALSE(r.has_value()) << "a range whose pages end past 2^64 must be refused";
    return;
  }
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->begin, addr / page * page);
  EXPECT_EQ(u128{r->end}, end);
  EXPECT_LE(r->begin, addr);
  EXPECT_GE(u128{r->end}, last);
  EXPECT_LT(addr - r->begin, page);
  EXPECT_LT(u128{r->end} - last, page);
}

}  // namespace

TEST(PageRange, BoundariesAndExtremes) {
  for (std::uint64_t page : {std::uint64_t{4096}, std::uint64_t{2} << 20, std::uint64_t{1} << 30}) {
    for (auto addr : interesting(page)) {
      for (auto size : interesting(page)) {
        check_inside(addr, size, page);
        check_covering(addr, size, page);
      }
    }
  }
}

TEST(PageRange, RandomProperties) {
  std::mt19937_64 rng(20261121);
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t page = std::uint64_t{1} << (12 + rng() % 20);
    // Mix small, page-scale and full-range values so every branch is reached often.
    auto pick = [&] {
      switch (rng() % 3) {
        case 0: return rng() % (4 * page);
        case 1: return rng();
        default: return kMax - rng() % (4 * page);
      }
    };
    const std::uint64_t addr = pick(), size = rng() % 2 ? pick() : rng() % (8 * page);
    check_inside(addr, size, page);
    check_covering(addr, size, page);
  }
}

TEST(PageRange, SizeZeroIsEmptyBothWays) {
  EXPECT_EQ(pages_inside(4096, 0, 4096), PageRange{});
  EXPECT_TRUE(pages_covering(12345, 0, 4096)->empty());
}

TEST(PageRange, NoWholePageInsideIsEmpty) {
  constexpr std::uint64_t page = 2 << 20;
  EXPECT_TRUE(pages_inside(1, page, page)->empty());         // straddles one boundary
  EXPECT_TRUE(pages_inside(page + 1, page - 2, page)->empty());  // inside one page
  EXPECT_EQ(*pages_inside(page, page, page), (PageRange{page, 2 * page}));
}

TEST(PageRange, PageMustBeAPowerOfTwo) {
  for (std::uint64_t page : {std::uint64_t{0}, std::uint64_t{3}, std::uint64_t{4097}, std::uint64_t{3} << 20}) {
    EXPECT_FALSE(pages_inside(0, 1 << 30, page).has_value()) << page;
    EXPECT_FALSE(pages_covering(0, 1 << 30, page).has_value()) << page;
  }
}

TEST(PageRange, OverflowIsRefused) {
  EXPECT_FALSE(pages_inside(kMax, 2, 4096).has_value());
  EXPECT_FALSE(pages_covering(kMax - 10, 11, 4096).has_value()) << "last byte at 2^64-1 rounds up past 2^64";
  EXPECT_TRUE(pages_inside(kMax - 10, 10, 4096).has_value()) << "ends exactly at 2^64-1";
  EXPECT_FALSE(pages_covering(kMax - 4095, 100, 4096).has_value());
}

static_assert(pages_inside(4096, 8192, 4096)->size() == 8192, "usable in constant expressions");
