#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>

#include "unimem/core/align.hpp"
#include "unimem/core/error.hpp"
#include "unimem/core/units.hpp"

using namespace unimem;

TEST(Result, HoldsValueOrError) {
  Result<int> ok = 42;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 42);
  EXPECT_EQ(ok.code(), Errc::ok);

  Result<int> bad = Error(Errc::not_found, "region 'x' does not exist");
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.code(), Errc::not_found);
  EXPECT_EQ(bad.error().what(), "not_found: region 'x' does not exist");
  EXPECT_EQ(bad.value_or(7), 7);
  EXPECT_THROW((void)bad.value(), BadResultAccess);
  EXPECT_THROW((void)ok.error(), std::logic_error);
}

TEST(Result, MoveOnlyValueAndVoid) {
  Result<std::unique_ptr<int>> p = std::make_unique<int>(5);
  ASSERT_TRUE(p);
  std::unique_ptr<int> taken = std::move(p).value();
  EXPECT_EQ(*taken, 5);

  Result<void> v = success();
  EXPECT_TRUE(v);
  Result<void> e = Error(Errc::busy, "later");
  EXPECT_EQ(e.code(), Errc::busy);
  EXPECT_THROW(e.value(), BadResultAccess);
}

TEST(Error, FromErrnoAppendsDescription) {
  Error e = Error::from_errno(Errc::io_error, "open('/x')", ENOENT);
  EXPECT_EQ(e.message(), "open('/x'): No such file or directory");
}

TEST(Error, EveryCodeHasAName) {
  for (int c = 0; c <= static_cast<int>(Errc::bad_address); ++c) {
    EXPECT_NE(errc_name(static_cast<Errc>(c)), "unknown") << c;
  }
}

TEST(Align, RoundsAtBoundaries) {
  EXPECT_EQ(align_up(0, 64), 0u);
  EXPECT_EQ(align_up(1, 64), 64u);
  EXPECT_EQ(align_up(64, 64), 64u);
  EXPECT_EQ(align_down(127, 64), 64u);
  EXPECT_TRUE(is_aligned(4096, 4096));
  EXPECT_FALSE(is_aligned(4097, 4096));
  EXPECT_TRUE(is_pow2(1));
  EXPECT_FALSE(is_pow2(0));
  EXPECT_FALSE(is_pow2(96));
  EXPECT_EQ(ceil_pow2(0), 1u);
  EXPECT_EQ(ceil_pow2(65), 128u);
  EXPECT_EQ(ceil_pow2((std::uint64_t{1} << 63) + 1), 0u);
}

TEST(Align, CheckedAlignUpReportsOverflow) {
  std::uint64_t out = 123;
  const auto max = std::numeric_limits<std::uint64_t>::max();
  EXPECT_FALSE(checked_align_up(max, 4096, out));
  EXPECT_EQ(out, 123u);
  EXPECT_FALSE(checked_align_up(max - 4094, 4096, out));
  EXPECT_TRUE(checked_align_up(max - 4095 - 4095, 4096, out));
  EXPECT_EQ(out % 4096, 0u);
}

TEST(Units, BinaryMultiples) {
  using namespace unimem::literals;
  EXPECT_EQ(4_KiB, 4096u);
  EXPECT_EQ(2_MiB, 2u * 1024 * 1024);
  EXPECT_EQ(1_GiB, GiB);
}
