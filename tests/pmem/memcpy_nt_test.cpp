// memcpy_nt: each ISA body (the ones this CPU has; the others skip, naming the missing feature)
// against memmove, byte for byte over the whole buffer (so a stray store outside the range fails
// too): every size 0..4096, every pair of source and destination alignments 0..63, random sizes up
// to 64 MiB, overlap both ways. Then the dispatched entry points, fast_memcpy's errors, the parallel
// copy and the environment override.
#include "unimem/pmem/memcpy_nt.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "support/test_support.hpp"

using namespace unimem;
using namespace unimem::pmem;

namespace {

// Two patterned buffers with room for any alignment and some guard bytes on either side.
struct Buffers {
  std::vector<unsigned char> src, dst, want;
  explicit Buffers(std::size_t n, std::uint32_t seed = 1) : src(n + 256), dst(n + 256) {
    std::mt19937 rng(seed);
    for (auto &c : src) c = static_cast<unsigned char>(rng());
    for (auto &c : dst) c = static_cast<unsigned char>(rng());
  }
  // Copies with @p isa and with memmove; @return whether the two results are identical everywhere.
  ::testing::AssertionResult check(CopyIsa isa, std::size_t n, std::size_t src_off, std::size_t dst_off) {
    want = dst;
    std::memmove(want.data() + 64 + dst_off, src.data() + 64 + src_off, n);
    const auto ok = memcpy_nt(isa, dst.data() + 64 + dst_off, src.data() + 64 + src_off, n);
    if (!ok) return ::testing::AssertionFailure() << ok.error().what();
    if (dst != want) {
      std::size_t i = 0;
      while (dst[i] == want[i]) ++i;
      return ::testing::AssertionFailure() << "n " << n << " src+" << src_off << " dst+" << dst_off
                                           << ": first difference at byte " << static_cast<long>(i) - 64 - static_cast<long>(dst_off);
    }
    return ::testing::AssertionSuccess();
  }
};

class MemcpyNtIsa : public ::testing::TestWithParam<CopyIsa> {
 protected:
  void SetUp() override {
    if (!copy_isa_supported(GetParam())) {
      GTEST_SKIP() << "this CPU (or its OS) lacks " << copy_isa_name(GetParam()) << " (CPUID/XGETBV)";
    }
  }
};

TEST_P(MemcpyNtIsa, EverySizeUpTo4096) {
  Buffers b(4096 + 64);
  for (std::size_t n = 0; n <= 4096; ++n) ASSERT_TRUE(b.check(GetParam(), n, n % 64, (n * 7 + 3) % 64));
}

TEST_P(MemcpyNtIsa, EveryAlignmentPair) {
  Buffers b(8192 + 64, 2);
  for (std::size_t n : {1u, 63u, 64u, 65u, 200u, 2048u + 33u, 4096u + 17u, 3u * 2048u + 5u}) {
    for (std::size_t s = 0; s < 64; ++s) {
      for (std::size_t d = 0; d < 64; ++d) ASSERT_TRUE(b.check(GetParam(), n, s, d));
    }
  }
}

TEST_P(MemcpyNtIsa, RandomSizesUpTo64MiB) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 8; ++i) {
    const std::size_t n = std::size_t{1} << (12 + rng() % 15);  // 4 KiB .. 64 MiB
    const std::size_t size = i == 0 ? std::size_t{64} << 20 : n + rng() % n;
    Buffers b(std::min(size, std::size_t{64} << 20), static_cast<std::uint32_t>(i));
    ASSERT_TRUE(b.check(GetParam(), std::min(size, std::size_t{64} << 20), rng() % 64, rng() % 64));
  }
}

TEST_P(MemcpyNtIsa, OverlapBothWays) {
  for (std::size_t n : {1u, 64u, 100u, 2048u, 2048u * 3 + 77u, 70000u}) {
    for (long shift : {-200L, -64L, -63L, -1L, 1L, 5L, 64L, 65L, 1000L}) {
      std::vector<unsigned char> buf(n + 2048), want;
      std::mt19937 rng(static_cast<std::uint32_t>(n + shift));
      for (auto &c : buf) c = static_cast<unsigned char>(rng());
      want = buf;
      const std::size_t src = 1024 + 3, dst = static_cast<std::size_t>(static_cast<long>(src) + shift);
      std::memmove(want.data() + dst, want.data() + src, n);
      UNIMEM_ASSERT_OK(memcpy_nt(GetParam(), buf.data() + dst, buf.data() + src, n));
      ASSERT_EQ(buf, want) << "n " << n << " shift " << shift;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isa, MemcpyNtIsa, ::testing::Values(CopyIsa::sse2, CopyIsa::avx2, CopyIsa::avx512f),
                         [](const auto &info) { return std::string(copy_isa_name(info.param)); });

TEST(MemcpyNt, UnsupportedIsaCopiesNothing) {
  if (copy_isa_supported(CopyIsa::avx512f)) GTEST_SKIP() << "this CPU supports every ISA body";
  for (CopyIsa isa : {CopyIsa::sse2, CopyIsa::avx2, CopyIsa::avx512f}) {
    if (copy_isa_supported(isa)) continue;
    char dst[64] = {}, src[64] = {1};
    const auto r = memcpy_nt(isa, dst, src, sizeof dst);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.code(), Errc::unsupported);
    EXPECT_EQ(dst[0], 0);
  }
}

TEST(MemcpyNt, DispatchUsesTheBestIsaAndAThresholdFromTheCaches) {
  const CopyIsa isa = copy_isa();
  EXPECT_TRUE(copy_isa_supported(isa));
  if (std::getenv("UNIMEM_MEMCPY_ISA") == nullptr) {
    for (CopyIsa higher : {CopyIsa::avx2, CopyIsa::avx512f}) {
      if (static_cast<int>(higher) > static_cast<int>(isa)) EXPECT_FALSE(copy_isa_supported(higher));
    }
  }
  EXPECT_GE(nt_threshold(), std::size_t{64} << 10);
  // Both sides of the threshold, unaligned.
  for (std::size_t n : {nt_threshold() - 1, nt_threshold() + 4097}) {
    Buffers b(n, 9);
    b.want = b.dst;
    std::memmove(b.want.data() + 67, b.src.data() + 93, n);
    EXPECT_EQ(memcpy_nt(b.dst.data() + 67, b.src.data() + 93, n), b.dst.data() + 67);
    ASSERT_EQ(b.dst, b.want) << n;
  }
}

TEST(MemcpyNt, EnvironmentForcesALowerIsa) {
  ::setenv("UNIMEM_MEMCPY_ISA", "sse2", 1);
  auto sse2 = test::run_helper({"copy-isa"});
  ::setenv("UNIMEM_MEMCPY_ISA", "avx512f", 1);
  auto high = test::run_helper({"copy-isa"});
  ::setenv("UNIMEM_MEMCPY_ISA", "bogus", 1);
  auto bogus = test::run_helper({"copy-isa"});
  ::unsetenv("UNIMEM_MEMCPY_ISA");
  auto plain = test::run_helper({"copy-isa"});
  EXPECT_EQ(sse2.out, "sse2\n");
  const std::string best = std::string(copy_isa_name(copy_isa())) + "\n";
  EXPECT_EQ(plain.out, best);
  EXPECT_EQ(bogus.out, best);
  EXPECT_EQ(high.out, copy_isa_supported(CopyIsa::avx512f) ? "avx512f\n" : best);
}

struct alignas(64) Line {
  unsigned char bytes[64];
};

TEST(FastMemcpy, CopiesAlignedArraysOfEqualSize) {
  std::vector<Line> a(1000), b(1000);
  for (std::size_t i = 0; i < a.size(); ++i) a[i].bytes[i % 64] = static_cast<unsigned char>(i);
  UNIMEM_ASSERT_OK(fast_memcpy(b, a));
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(Line)), 0);
}

TEST(FastMemcpy, RejectsMisalignedOrMismatchedArraysAndCopiesNothing) {
  std::vector<Line> a(4), b(4), c(5);
  a[0].bytes[0] = 7;
  auto r = fast_memcpy(c, a);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), Errc::invalid_argument);
  EXPECT_NE(r.error().message().find("sizes differ"), std::string::npos) << r.error().message();

  auto *bytes = reinterpret_cast<unsigned char *>(b.data());
  std::span<unsigned char> dst(bytes + 1, 100), src(reinterpret_cast<unsigned char *>(a.data()), 100);
  r = fast_memcpy(dst, src);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), Errc::invalid_argument);
  EXPECT_NE(r.error().message().find("arrays must be 64-byte aligned"), std::string::npos);
  char where[32];
  std::snprintf(where, sizeof where, "%p", static_cast<void *>(bytes + 1));
  EXPECT_NE(r.error().message().find(where), std::string::npos) << r.error().message();
  EXPECT_EQ(bytes[1], 0);

  std::span<unsigned char> src_off(reinterpret_cast<unsigned char *>(a.data()) + 8, 100), dst_ok(bytes, 100);
  r = fast_memcpy(dst_ok, src_off);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), Errc::invalid_argument);
  EXPECT_EQ(b[0].bytes[0], 0);
}

TEST(MemcpyNtParallel, ChunksOfPagesArriveIntactForAnyThreadCount) {
  // Above the threshold, so the chunks are streamed (and fenced) by the copy threads.
  const std::size_t n = std::max(std::size_t{9} << 20, nt_threshold()) + 4097;
  for (unsigned threads : {1u, 2u, 3u, 8u, 0u}) {
    Buffers b(n, threads);
    b.want = b.dst;
    std::memmove(b.want.data() + 64 + 5, b.src.data() + 64 + 60, n);
    memcpy_nt_parallel(b.dst.data() + 64 + 5, b.src.data() + 64 + 60, n, threads);
    ASSERT_EQ(b.dst, b.want) << threads << " threads";
  }
  EXPECT_GE(measured_copy_threads(), 1u);
}

TEST(MemcpyNtParallel, OverlapFallsBackToOneThreadWithMemmoveSemantics) {
  std::vector<unsigned char> buf((std::size_t{4} << 20) + 8192);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<unsigned char>(i * 31);
  auto want = buf;
  std::memmove(want.data() + 4096 + 3, want.data(), std::size_t{4} << 20);
  memcpy_nt_parallel(buf.data() + 4096 + 3, buf.data(), std::size_t{4} << 20, 4);
  EXPECT_EQ(buf, want);
}

}  // namespace
