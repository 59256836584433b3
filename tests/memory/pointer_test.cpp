#include <gtest/gtest.h>

#include <cstdint>

#include "unimem/memory/atomic_offset_ptr.hpp"
#include "unimem/memory/atomic_shm_ptr.hpp"
#include "unimem/memory/full_ptr.hpp"
#include "unimem/memory/offset_ptr.hpp"
#include "unimem/memory/pointer_table.hpp"
#include "unimem/memory/shm_ptr.hpp"

using namespace unimem;

TEST(OffsetPtr, RoundTripAndNull) {
  alignas(64) char region[256];
  int *p = reinterpret_cast<int *>(region + 64);
  auto off = OffsetPtr<int>::from(region, p);
  EXPECT_EQ(off.offset(), 64u);
  EXPECT_EQ(off.get(region), p);
  EXPECT_EQ(off.get_unchecked(region), p);
  EXPECT_EQ((off + 2).get(region), p + 2);
  EXPECT_EQ((off + 2 - 1).offset(), 68u);
  EXPECT_EQ(off.cast<char>().get(region), region + 64);

  OffsetPtr<int> null;
  EXPECT_TRUE(null.is_null());
  EXPECT_FALSE(null);
  EXPECT_EQ(null.get(region), nullptr);
  EXPECT_TRUE((null + 3).is_null());
  EXPECT_TRUE(OffsetPtr<int>::from(region, nullptr).is_null());
  // Offset 0 (the region start) is a valid, non-null pointer.
  EXPECT_FALSE(OffsetPtr<int>(0).is_null());
  EXPECT_LT(OffsetPtr<int>(8), off);
}

TEST(AtomicOffsetPtr, CompareExchangeUpdatesExpected) {
  AtomicOffsetPtr<int> a(OffsetPtr<int>(16));
  OffsetPtr<int> expected(8);
  EXPECT_FALSE(a.compare_exchange_strong(expected, OffsetPtr<int>(32), std::memory_order_acq_rel));
  EXPECT_EQ(expected.offset(), 16u);
  EXPECT_TRUE(a.compare_exchange_strong(expected, OffsetPtr<int>(32), std::memory_order_acq_rel));
  EXPECT_EQ(a.load(std::memory_order_acquire).offset(), 32u);
  EXPECT_EQ(a.exchange(OffsetPtr<int>::null(), std::memory_order_acq_rel).offset(), 32u);
  EXPECT_TRUE(a.load(std::memory_order_relaxed).is_null());
}

TEST(AtomicShmPtr, PacksIdAndOffsetAndRefusesWhatDoesNotFit) {
  AtomicShmPtr<int> a;
  a.store(ShmPtr<int>{}, std::memory_order_relaxed);
  EXPECT_TRUE(a.load(std::memory_order_relaxed).is_null());
  const ShmPtr<int> p{AllocatorId{7}, 0, OffsetPtr<int>(123456)};
  EXPECT_TRUE(a.store(p, std::memory_order_release));
  EXPECT_EQ(a.load(std::memory_order_acquire), p);

  const ShmPtr<int> big_id{AllocatorId{0xffff}, 0, OffsetPtr<int>(1)};
  const ShmPtr<int> big_off{AllocatorId{1}, 0, OffsetPtr<int>(std::uint64_t{1} << 48)};
  EXPECT_FALSE(a.store(big_id, std::memory_order_relaxed));
  EXPECT_FALSE(a.store(big_off, std::memory_order_relaxed));
  EXPECT_EQ(a.load(std::memory_order_relaxed), p);  // unchanged

  ShmPtr<int> expected{AllocatorId{7}, 0, OffsetPtr<int>(1)};
  EXPECT_FALSE(a.compare_exchange_strong(expected, ShmPtr<int>{}, std::memory_order_acq_rel));
  EXPECT_EQ(expected, p);
  EXPECT_TRUE(a.compare_exchange_strong(expected, ShmPtr<int>{}, std::memory_order_acq_rel));
  EXPECT_TRUE(a.load(std::memory_order_relaxed).is_null());
}

TEST(PointerTable, ResolvesRegisteredIdsOnly) {
  alignas(64) static char region[128];
  std::uint64_t bases[3] = {PointerTable::kNoBase, reinterpret_cast<std::uint64_t>(region), PointerTable::kNoBase};
  PointerTable t{bases, 3};
  const ShmPtr<char> p{AllocatorId{1}, 0, OffsetPtr<char>(10)};
  EXPECT_EQ(t.resolve(p), region + 10);
  EXPECT_EQ(t.resolve(ShmPtr<char>{AllocatorId{0}, 0, OffsetPtr<char>(10)}), nullptr);  // unregistered
  EXPECT_EQ(t.resolve(ShmPtr<char>{AllocatorId{3}, 0, OffsetPtr<char>(10)}), nullptr);  // beyond the table
  EXPECT_EQ(t.resolve(ShmPtr<char>{AllocatorId{1}, 0, {}}), nullptr);                   // null
  FullPtr<char> f{t.resolve(p), p};
  EXPECT_EQ(f.get(), region + 10);
  EXPECT_EQ(f.cast<void>().shm.off.offset(), 10u);
}
