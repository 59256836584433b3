// GlobalMemory on MPI one-sided communication, run by ctest with 1, 2 and 4 ranks (mpiexec): blocks
// spread over the ranks, gets and puts across ranks, memory-gets into one buffer, splitting of large
// transfers, cached gets that avoid the second transfer (counted in MPI operations and bytes), and
// bad input refused on every rank with nothing moved.
#include "unimem/cache/global_memory.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <vector>

#include "unimem/cache/mpi_session.hpp"
#include "support/test_support.hpp"

using namespace unimem;
using namespace unimem::cache;

namespace {

std::byte at(std::uint64_t offset) { return static_cast<std::byte>((offset * 2654435761u) >> 13); }

class Global : public ::testing::Test {
 protected:
  void SetUp() override {
    auto g = GlobalMemory::create();
    ASSERT_TRUE(g) << g.error().what();
    gm_.emplace(std::move(g).value());
  }
  void TearDown() override { gm_.reset(); }

  // A segment whose byte at global offset o is at(o), each rank writing its own block in place.
  SegmentHandle filled(std::uint64_t bytes) {
    auto seg = gm_->allocate(bytes);
    EXPECT_TRUE(seg) << seg.error().what();
    auto local = gm_->local(*seg);
    const auto first = gm_->local_offset(*seg).value();
    for (std::size_t i = 0; i < local->size(); ++i) (*local)[i] = at(first + i);
    EXPECT_TRUE(gm_->barrier());
    return *seg;
  }

  std::optional<GlobalMemory> gm_;
};

}  // namespace

TEST_F(Global, BlocksCoverTheSegmentOnce) {
  auto seg = gm_->allocate(10007);
  UNIMEM_ASSERT_OK(seg);
  EXPECT_EQ(gm_->size(*seg).value(), 10007u);
  std::uint64_t mine[2] = {gm_->local_offset(*seg).value(), gm_->local(*seg)->size()}, total = 0;
  MPI_Allreduce(&mine[1], &total, 1, MPI_UINT64_T, MPI_SUM, gm_->communicator());
  EXPECT_EQ(total, 10007u);
  const auto local = gm_->local(*seg).value();
  for (auto b : local) ASSERT_EQ(b, std::byte{0});  // zero-filled
  if (gm_->rank() > 0) EXPECT_GT(mine[0], 0u);
  UNIMEM_ASSERT_OK(gm_->free(*seg));
  EXPECT_EQ(gm_->size(*seg).code(), Errc::not_found);
}

TEST_F(Global, GetsAndPutsCrossRanks) {
  const std::uint64_t n = 64 * 1024 + 13;
  auto seg = filled(n);
  std::vector<std::byte> all(n);
  UNIMEM_ASSERT_OK(gm_->memory_get(GlobalRange{seg, 0, n}, all.data()));
  for (std::uint64_t i = 0; i < n; ++i) ASSERT_EQ(all[i], at(i)) << "offset " << i;
  EXPECT_GE(gm_->stats().mpi_gets, static_cast<std::uint64_t>(gm_->ranks()));
  UNIMEM_ASSERT_OK(gm_->barrier());  // everyone has read the pattern before the puts below change it

  // Each rank puts its rank number into the next rank's block; the owner sees it after a barrier.
  const int next = (gm_->rank() + 1) % gm_->ranks();
  const std::uint64_t block = (n + gm_->ranks() - 1) / gm_->ranks();
  const std::uint64_t target = std::min<std::uint64_t>(n - 8, (block + 63) / 64 * 64 * next);
  const std::uint64_t word = 0xabc0 + static_cast<std::uint64_t>(gm_->rank());
  UNIMEM_ASSERT_OK(gm_->memory_put(&word, GlobalRange{seg, target, 8}));
  UNIMEM_ASSERT_OK(gm_->barrier());
  std::uint64_t back = 0;
  UNIMEM_ASSERT_OK(gm_->memory_get(GlobalRange{seg, target, 8}, &back));
  EXPECT_EQ(back, word);
  const auto s = gm_->stats();
  EXPECT_EQ(s.puts, 1u);
  EXPECT_EQ(s.bytes_put, 8u);
  EXPECT_EQ(s.gets, 2u);
  EXPECT_EQ(s.bytes_got, n + 8);
  UNIMEM_ASSERT_OK(gm_->barrier());
  UNIMEM_ASSERT_OK(gm_->free(seg));
}

TEST_F(Global, MemoryGetGathersRangesAndZeroesTheGaps) {
  const std::uint64_t n = 4096 * 4;
  auto seg = filled(n);
  // From the end, the start and the middle of the segment (on different ranks when there are several).
  const Transfer list[] = {{{seg, n - 100, 100}, 0}, {{seg, 0, 50}, 200}, {{seg, n / 2, 300}, 300}};
  std::vector<std::byte> buffer(700, std::byte{0xee});
  UNIMEM_ASSERT_OK(gm_->memory_get(list, buffer));
  for (int i = 0; i < 100; ++i) ASSERT_EQ(buffer[i], at(n - 100 + i));
  for (int i = 100; i < 200; ++i) ASSERT_EQ(buffer[i], std::byte{0});
  for (int i = 0; i < 50; ++i) ASSERT_EQ(buffer[200 + i], at(i));
  for (int i = 250; i < 300; ++i) ASSERT_EQ(buffer[i], std::byte{0});
  for (int i = 0; i < 300; ++i) ASSERT_EQ(buffer[300 + i], at(n / 2 + i));
  for (int i = 600; i < 700; ++i) ASSERT_EQ(buffer[i], std::byte{0});
  UNIMEM_ASSERT_OK(gm_->barrier());
  UNIMEM_ASSERT_OK(gm_->free(seg));
}

TEST_F(Global, LargeTransfersAreSplit) {
  // A small limit exercises the split path in every run; the int-count limit itself is 2 GiB.
  auto small = GlobalMemory::create(MPI_COMM_WORLD, {.max_transfer_bytes = 1000});
  UNIMEM_ASSERT_OK(small);
  auto seg = small->allocate(64 * 1024);
  UNIMEM_ASSERT_OK(seg);
  std::vector<std::byte> out(10000), in(10000);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = at(i + 7);
  if (small->rank() == 0) UNIMEM_ASSERT_OK(small->memory_put(out.data(), GlobalRange{*seg, 5000, 10000}));
  UNIMEM_ASSERT_OK(small->barrier());
  UNIMEM_ASSERT_OK(small->memory_get(GlobalRange{*seg, 5000, 10000}, in.data()));
  EXPECT_EQ(in, out);
  EXPECT_GE(small->stats().mpi_gets, 10u);
  if (small->rank() == 0) EXPECT_GE(small->stats().mpi_puts, 10u);
  UNIMEM_ASSERT_OK(small->barrier());
  EXPECT_EQ(GlobalMemory::create(MPI_COMM_WORLD, {.max_transfer_bytes = 0}).code(), Errc::invalid_argument);
  EXPECT_EQ(GlobalMemory::create(MPI_COMM_WORLD, {.max_transfer_bytes = std::size_t{1} << 31}).code(),
            Errc::invalid_argument);
}

TEST_F(Global, TransferOverTwoGiB) {
  // Real sizes: rank 0 reads 2 GiB + 8 KiB in one call; with one rank that is two MPI_Gets of at
  // most 2^31 - 4096 bytes, with more ranks one per block.
  const std::uint64_t n = (std::uint64_t{2} << 30) + 8192;
  auto seg = gm_->allocate(n);
  UNIMEM_ASSERT_OK(seg);
  auto local = gm_->local(*seg);
  const auto first = gm_->local_offset(*seg).value();
  // One byte per page of the global offsets (blocks need not start on one).
  for (std::uint64_t g = (first + 4095) / 4096 * 4096; g < first + local->size(); g += 4096) (*local)[g - first] = at(g);
  UNIMEM_ASSERT_OK(gm_->barrier());
  if (gm_->rank() == 0) {
    std::vector<std::byte> all(n);
    UNIMEM_ASSERT_OK(gm_->memory_get(GlobalRange{*seg, 0, n}, all.data()));
    for (std::uint64_t i = 0; i < n; i += 4096) ASSERT_EQ(all[i], at(i)) << i;
    EXPECT_GE(gm_->stats().mpi_gets, 2u);
  }
  UNIMEM_ASSERT_OK(gm_->barrier());
  UNIMEM_ASSERT_OK(gm_->free(*seg));
}

TEST_F(Global, CachedGetsAvoidTheSecondTransfer) {
  const std::uint64_t n = 32 * 1024;
  auto seg = filled(n);
  auto cache = WorkerCache::create({.budget = 1 << 20});
  UNIMEM_ASSERT_OK(cache);
  // Two ranges of another rank's block, gathered into one buffer named by a data id.
  const std::uint64_t from = static_cast<std::uint64_t>((gm_->rank() + 1) % gm_->ranks()) * (n / gm_->ranks());
  const Transfer list[] = {{{seg, from, 1000}, 0}, {{seg, from + 2000, 1000}, 1000}};
  const auto before = gm_->stats();
  auto a = gm_->cached_get(*cache, DataId(1, 2), 2000, list);
  UNIMEM_ASSERT_OK(a);
  auto b = gm_->cached_get(*cache, DataId(1, 2), 2000, list);
  UNIMEM_ASSERT_OK(b);
  EXPECT_EQ(a->data(), b->data());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(a->data()[i], at(from + i));
    ASSERT_EQ(a->data()[1000 + i], at(from + 2000 + i));
  }
  const auto after = gm_->stats();
  EXPECT_EQ(after.gets - before.gets, 1u);
  EXPECT_EQ(after.bytes_got - before.bytes_got, 2000u);
  EXPECT_EQ(cache->stats().hits, 1u);
  EXPECT_EQ(cache->stats().bytes_saved, 2000u);

  // The same id with another memory-get or size is an error, not someone else's data.
  const Transfer other[] = {{{seg, from, 2000}, 0}};
  EXPECT_EQ(gm_->cached_get(*cache, DataId(1, 2), 2000, other).code(), Errc::invalid_argument);
  EXPECT_EQ(gm_->cached_get(*cache, DataId(1, 2), 3000, list).code(), Errc::invalid_argument);
  EXPECT_EQ(gm_->stats().gets, after.gets);
  UNIMEM_ASSERT_OK(gm_->barrier());
  UNIMEM_ASSERT_OK(gm_->free(seg));
}

TEST_F(Global, BadInputIsRefusedAndMovesNothing) {
  auto seg = filled(4096);
  std::vector<std::byte> buffer(8192, std::byte{0x11});
  const auto before = gm_->stats();
  EXPECT_EQ(gm_->memory_get(GlobalRange{seg, 4000, 200}, buffer.data()).code(), Errc::invalid_argument);
  EXPECT_EQ(gm_->memory_get(GlobalRange{seg, ~0ull, 2}, buffer.data()).code(), Errc::invalid_argument);
  EXPECT_EQ(gm_->memory_get(GlobalRange{SegmentHandle{999}, 0, 1}, buffer.data()).code(), Errc::not_found);
  EXPECT_EQ(gm_->memory_get(GlobalRange{seg, 0, 1}, nullptr).code(), Errc::invalid_argument);
  EXPECT_EQ(gm_->memory_put(buffer.data(), GlobalRange{seg, 1, 4096}).code(), Errc::invalid_argument);
  const Transfer overlapping[] = {{{seg, 0, 100}, 0}, {{seg, 200, 100}, 50}};
  EXPECT_EQ(gm_->memory_get(overlapping, buffer).code(), Errc::invalid_argument);
  // A gap before the overlap: still nothing written (no zeroing of the gap either).
  const Transfer gap_then_overlap[] = {{{seg, 0, 100}, 500}, {{seg, 200, 100}, 550}};
  EXPECT_EQ(gm_->memory_get(gap_then_overlap, buffer).code(), Errc::invalid_argument);
  const Transfer outside[] = {{{seg, 0, 100}, 8150}};
  EXPECT_EQ(gm_->memory_get(outside, buffer).code(), Errc::invalid_argument);
  auto cache = WorkerCache::create({.budget = 1 << 20});
  EXPECT_EQ(gm_->cached_get(*cache, DataId(9), 50, outside).code(), Errc::invalid_argument);
  EXPECT_EQ(cache->stats().entries, 0u);
  for (auto b : buffer) ASSERT_EQ(b, std::byte{0x11});
  const auto after = gm_->stats();
  EXPECT_EQ(after.mpi_gets, before.mpi_gets);
  EXPECT_EQ(after.mpi_puts, before.mpi_puts);
  // Collective size mismatch: refused on every rank, and the next allocation still works.
  if (gm_->ranks() > 1) {
    EXPECT_EQ(gm_->allocate(1000 + static_cast<std::uint64_t>(gm_->rank())).code(), Errc::invalid_argument);
  }
  EXPECT_EQ(gm_->allocate(0).code(), Errc::invalid_argument);
  // Sizes whose block per rank wraps or exceeds an address space: refused by every rank alike.
  for (const std::uint64_t absurd : {~std::uint64_t{0}, ~std::uint64_t{0} - 63, std::uint64_t{1} << 62}) {
    EXPECT_EQ(gm_->allocate(absurd).code(), Errc::invalid_argument) << absurd;
  }
  auto again = gm_->allocate(128);
  UNIMEM_ASSERT_OK(again);
  UNIMEM_ASSERT_OK(gm_->free(*again));
  UNIMEM_ASSERT_OK(gm_->free(seg));
  EXPECT_EQ(gm_->free(seg).code(), Errc::not_found);
}

TEST_F(Global, AMovedFromGlobalMemoryRefusesEverything) {
  auto seg = filled(4096);
  GlobalMemory moved = std::move(*gm_);
  std::vector<std::byte> buffer(64);
  EXPECT_EQ(gm_->allocate(64).code(), Errc::invalid_argument);
  EXPECT_EQ(gm_->memory_get(GlobalRange{seg, 0, 64}, buffer.data()).code(), Errc::invalid_argument);
  EXPECT_EQ(gm_->memory_put(buffer.data(), GlobalRange{seg, 0, 64}).code(), Errc::invalid_argument);
  EXPECT_EQ(gm_->size(seg).code(), Errc::invalid_argument);
  EXPECT_EQ(gm_->local(seg).code(), Errc::invalid_argument);
  EXPECT_EQ(gm_->free(seg).code(), Errc::invalid_argument);
  EXPECT_EQ(gm_->barrier().code(), Errc::invalid_argument);
  EXPECT_EQ(gm_->ranks(), 0);
  EXPECT_EQ(gm_->communicator(), MPI_COMM_NULL);
  EXPECT_EQ(gm_->stats().gets, 0u);
  UNIMEM_ASSERT_OK(moved.memory_get(GlobalRange{seg, 0, 64}, buffer.data()));
  EXPECT_EQ(buffer[5], at(5));
  UNIMEM_ASSERT_OK(moved.free(seg));
}

// MPI around GoogleTest: every rank runs every test; the exit status fails if any rank failed.
int main(int argc, char **argv) {
  auto mpi = MpiSession::init(&argc, &argv);
  if (!mpi) {
    std::fprintf(stderr, "%s\n", mpi.error().what().c_str());
    return 1;
  }
  if (MpiSession::world_rank() != 0) GTEST_FLAG_SET(brief, true);  // other ranks print failures only
  ::testing::InitGoogleTest(&argc, argv);
  int failed = RUN_ALL_TESTS() != 0 ? 1 : 0, any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (any != 0 && MpiSession::world_rank() == 0) std::fprintf(stderr, "global memory tests: a rank failed\n");
  return any;
}
