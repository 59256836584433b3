// unimem::hash: keys with structure (sequential ids, aligned pointers, high bits only) must spread
// over both ends of the hash, because unordered_map takes the group from the low bits and the
// fingerprint from the top seven.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "unimem/containers/hash.hpp"

namespace unimem {
namespace {

constexpr std::uint64_t kKeys = 1 << 16;
constexpr std::uint64_t kGroups = 1 << 13;  // 8 keys per group on average, as a map at load 1

struct Family {
  const char *name;
  std::uint64_t (*key)(std::uint64_t);
};
const Family kFamilies[] = {
    {"sequential", [](std::uint64_t i) -> std::uint64_t { return i; }},
    {"page-aligned pointers", [](std::uint64_t i) -> std::uint64_t { return 0x7f0000000000ull + (i << 12); }},
    {"high 32 bits only", [](std::uint64_t i) -> std::uint64_t { return i << 32; }},
    {"top 16 bits only", [](std::uint64_t i) -> std::uint64_t { return i << 48; }},
};

TEST(Hash, StructuredKeysSpreadOverGroupsAndFingerprints) {
  for (const Family &f : kFamilies) {
    std::vector<std::uint32_t> per_group(kGroups), per_fingerprint(128);
    for (std::uint64_t i = 0; i < kKeys; ++i) {
      const std::uint64_t h = hash<std::uint64_t>{}(f.key(i));
      ++per_group[h & (kGroups - 1)];
      ++per_fingerprint[h >> 57];
    }
    // Poisson(8): a group of more than 30 keys has probability ~1e-9 per group
    EXPECT_LE(*std::max_element(per_group.begin(), per_group.end()), 30u) << f.name;
    const auto [lo, hi] = std::minmax_element(per_fingerprint.begin(), per_fingerprint.end());
    EXPECT_GT(*lo, kKeys / 128 * 8 / 10) << f.name;  // 512 expected, sd 23
    EXPECT_LT(*hi, kKeys / 128 * 12 / 10) << f.name;
  }
}

TEST(Hash, NarrowKeysHashLikeTheirWideValue) {
  EXPECT_EQ(hash<std::uint32_t>{}(7u), hash<std::uint64_t>{}(7u));
  EXPECT_NE(hash<std::uint64_t>{}(0), hash<std::uint64_t>{}(1));
}

}  // namespace
}  // namespace unimem
