#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "support/test_support.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/backend/malloc_backend.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"
#include "unimem/memory/memory_manager.hpp"

using namespace unimem;

TEST(MemoryManager, IdsAreBoundedAndUnique) {
  MemoryManager mm(MemoryManager::Limits{4, 8});
  EXPECT_EQ(mm.create_backend<MallocBackend>(BackendId{4}, 4096).code(), Errc::capacity_exceeded);
  ASSERT_TRUE(mm.create_backend<MallocBackend>(BackendId{3}, 4096));
  EXPECT_EQ(mm.create_backend<MallocBackend>(BackendId{3}, 4096).code(), Errc::already_exists);
  EXPECT_EQ(mm.register_backend(BackendId{0}, nullptr).code(), Errc::invalid_argument);
  EXPECT_EQ(mm.register_allocator(AllocatorId{8}, BackendId{3}).code(), Errc::capacity_exceeded);
  EXPECT_EQ(mm.register_allocator(AllocatorId{0}, BackendId{2}).code(), Errc::not_found);
  ASSERT_TRUE(mm.register_allocator(AllocatorId{7}, BackendId{3}));
  EXPECT_EQ(mm.register_allocator(AllocatorId{7}, BackendId{3}).code(), Errc::already_exists);
  EXPECT_EQ(mm.unregister_allocator(AllocatorId{6}).code(), Errc::not_found);
  EXPECT_EQ(mm.detach_backend(BackendId{1}).code(), Errc::not_found);
  EXPECT_EQ(mm.backend(BackendId{99}), nullptr);
}

TEST(MemoryManager, TakenIdCreatesNoRegion) {
  MemoryManager mm;
  const std::string name = test::unique_name("taken");
  test::ShmNameGuard guard(name);
  ASSERT_TRUE(mm.create_backend<MallocBackend>(BackendId{0}, 4096));
  EXPECT_EQ(mm.create_backend<PosixShmBackend>(BackendId{0}, name, 4096).code(), Errc::already_exists);
  EXPECT_FALSE(test::shm_exists(name));
}

// Two threads given one id: one wins, and the loser's region (or heap) is never made.
TEST(MemoryManagerStress, RacingForOneIdLeavesNothingBehind) {
  MemoryManager mm;
  const std::string names[2] = {test::unique_name("race-a"), test::unique_name("race-b")};
  test::ShmNameGuard guards[] = {test::ShmNameGuard(names[0]), test::ShmNameGuard(names[1])};
  for (int round = 0; round < 200; ++round) {
    std::atomic<int> ready{0};
    Result<PosixShmBackend *> got[2] = {Error(Errc::busy, ""), Error(Errc::busy, "")};
    auto race = [&](int i) {
      ready.fetch_add(1);
      while (ready.load() < 2) {
      }
      got[i] = mm.create_backend<PosixShmBackend>(BackendId{0}, names[i], 4096);
    };
    std::thread a(race, 0), b(race, 1);
    a.join();
    b.join();
    ASSERT_NE(static_cast<bool>(got[0]), static_cast<bool>(got[1])) << "round " << round;
    const int loser = got[0] ? 1 : 0;
    EXPECT_EQ(got[loser].code(), Errc::already_exists);
    ASSERT_FALSE(test::shm_exists(names[loser])) << "round " << round << ": the loser made its region";
    ASSERT_TRUE(mm.destroy_backend(BackendId{0}));
  }
  ASSERT_TRUE(mm.create_backend<MallocBackend>(BackendId{1}, 1 << 20));
  ASSERT_TRUE(mm.create_backend<MallocBackend>(BackendId{2}, 1 << 20));
  for (std::uint32_t round = 0; round < 200; ++round) {
    std::atomic<int> ready{0};
    Result<ThreadLocalAllocator *> got[2] = {Error(Errc::busy, ""), Error(Errc::busy, "")};
    auto race = [&](int i) {
      ready.fetch_add(1);
      while (ready.load() < 2) {
      }
      got[i] = mm.create_allocator<ThreadLocalAllocator>(AllocatorId{round + 1}, BackendId{std::uint32_t(1 + i)});
    };
    std::thread a(race, 0), b(race, 1);
    a.join();
    b.join();
    ASSERT_NE(static_cast<bool>(got[0]), static_cast<bool>(got[1])) << "round " << round;
    const int winner = got[0] ? 0 : 1;
    // The loser's region holds no heap: a later allocator can be made there (already_exists if it did).
    const BackendId loser_backend{std::uint32_t(2 - winner)};
    ASSERT_TRUE(mm.unregister_allocator(AllocatorId{round + 1}));
    auto later = mm.create_allocator<ThreadLocalAllocator>(AllocatorId{round + 1}, loser_backend);
    ASSERT_TRUE(later) << "round " << round << ": " << later.error().what();
    ASSERT_TRUE(mm.unregister_allocator(AllocatorId{round + 1}));
    ASSERT_TRUE(mm.detach_backend(BackendId{1}) && mm.detach_backend(BackendId{2}));
    ASSERT_TRUE(mm.create_backend<MallocBackend>(BackendId{1}, 1 << 20));
    ASSERT_TRUE(mm.create_backend<MallocBackend>(BackendId{2}, 1 << 20));
  }
}

namespace {
// A backend whose creation throws, as a user's type may.
struct ThrowingBackend : MemoryBackend {
  static Result<std::unique_ptr<ThrowingBackend>> create() { throw std::runtime_error("create threw"); }
};
}  // namespace

TEST(MemoryManager, ACreateThatThrowsLeavesTheIdFree) {
  MemoryManager mm;
  EXPECT_THROW((void)mm.create_backend<ThrowingBackend>(BackendId{2}), std::runtime_error);
  EXPECT_TRUE(mm.create_backend<MallocBackend>(BackendId{2}, 4096)) << "the id's reservation was released";
}

TEST(MemoryManager, ShmPtrRoundTripsThroughAddresses) {
  MemoryManager mm;
  auto b = mm.create_backend<MallocBackend>(BackendId{1}, 1 << 16);
  ASSERT_TRUE(b);
  ASSERT_TRUE(mm.register_allocator(AllocatorId{5}, BackendId{1}));
  EXPECT_EQ(mm.allocator_handle(AllocatorId{5}), nullptr);  // registered for resolution only
  EXPECT_EQ(mm.allocator_backend(AllocatorId{5}), *b);

  int *obj = reinterpret_cast<int *>((*b)->data() + 128);
  auto shm = mm.to_shm(AllocatorId{5}, obj);
  ASSERT_TRUE(shm);
  EXPECT_EQ(shm->off.offset(), RegionHeader::kHeaderBytes + 128);
  EXPECT_EQ(mm.to_address(*shm), obj);
  EXPECT_EQ(mm.to_full(*shm).ptr, obj);
  EXPECT_EQ(mm.table().resolve(*shm), obj);

  int outside = 0;
  EXPECT_EQ(mm.to_shm(AllocatorId{5}, &outside).code(), Errc::invalid_argument);
  EXPECT_EQ(mm.to_shm(AllocatorId{6}, obj).code(), Errc::not_found);
  auto null = mm.to_shm<int>(AllocatorId{5}, nullptr);
  ASSERT_TRUE(null);
  EXPECT_TRUE(null->is_null());
  EXPECT_EQ(mm.to_address(*null), nullptr);
  EXPECT_EQ(mm.device_bases()[5], PointerTable::kNoBase);  // host memory: no device base
}

TEST(MemoryManager, DetachUnregistersAllocatorsAndKeepsTheName) {
  MemoryManager mm;
  const std::string name = test::unique_name("detach");
  test::ShmNameGuard guard(name);
  auto b = mm.create_backend<PosixShmBackend>(BackendId{2}, name, 4096);
  ASSERT_TRUE(b);
  ASSERT_TRUE(mm.register_allocator(AllocatorId{1}, BackendId{2}));
  const ShmPtr<char> p{AllocatorId{1}, 0, OffsetPtr<char>(RegionHeader::kHeaderBytes)};
  EXPECT_NE(mm.to_address(p), nullptr);
  ASSERT_TRUE(mm.detach_backend(BackendId{2}));
  EXPECT_EQ(mm.to_address(p), nullptr);
  EXPECT_EQ(mm.backend(BackendId{2}), nullptr);
  EXPECT_TRUE(test::shm_exists(name));

  ASSERT_TRUE(mm.attach_backend<PosixShmBackend>(BackendId{2}, name));
  ASSERT_TRUE(mm.register_allocator(AllocatorId{1}, BackendId{2}));
  EXPECT_NE(mm.to_address(p), nullptr);
  ASSERT_TRUE(mm.destroy_backend(BackendId{2}));
  EXPECT_FALSE(test::shm_exists(name));
}

TEST(MemoryManager, PointerRoundTripInAProcessThatMapsElsewhere) {
  MemoryManager mm;
  const std::string name = test::unique_name("resolve");
  test::ShmNameGuard guard(name);
  auto b = mm.create_backend<PosixShmBackend>(BackendId{0}, name, 1 << 20);
  ASSERT_TRUE(b);
  constexpr AllocatorId kAlloc{3};
  ASSERT_TRUE(mm.register_allocator(kAlloc, BackendId{0}));
  char *msg = (*b)->data() + 256;
  std::strcpy(msg, "hello from the parent");
  auto *slots = reinterpret_cast<ShmPtr<char> *>((*b)->data());
  slots[0] = *mm.to_shm(kAlloc, msg);
  slots[1] = ShmPtr<char>{};

  auto child = test::run_helper({"resolve", name, std::to_string(kAlloc.value)});
  ASSERT_EQ(child.exit_code, 0) << child.out;
  void *child_base = nullptr;
  ASSERT_EQ(std::sscanf(child.out.c_str(), "BASE %p", &child_base), 1) << child.out;
  EXPECT_NE(child_base, static_cast<void *>((*b)->base())) << "the test needs the child to map elsewhere";
  // The child's ShmPtr resolves here, to the text it wrote.
  const char *reply = mm.to_address(slots[1]);
  ASSERT_NE(reply, nullptr);
  EXPECT_STREQ(reply, "hello from the child");
  EXPECT_EQ(*mm.to_shm(kAlloc, reply), slots[1]);
}

TEST(MemoryManagerStress, ResolveWhileRegistering) {
  MemoryManager mm(MemoryManager::Limits{4, 64});
  ASSERT_TRUE(mm.create_backend<MallocBackend>(BackendId{0}, 4096));
  ASSERT_TRUE(mm.register_allocator(AllocatorId{0}, BackendId{0}));
  const ShmPtr<char> stable{AllocatorId{0}, 0, OffsetPtr<char>(RegionHeader::kHeaderBytes)};
  char *const expected = mm.to_address(stable);
  std::atomic<bool> stop{false}, wrong{false};
  std::thread reader([&] {
    while (!stop.load()) {
      if (mm.to_address(stable) != expected) wrong = true;
      char *other = mm.to_address(ShmPtr<char>{AllocatorId{9}, 0, OffsetPtr<char>(0)});  // registered or not
      if (other && other != mm.backend(BackendId{0})->base()) wrong = true;
    }
  });
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(mm.register_allocator(AllocatorId{9}, BackendId{0}));
    ASSERT_TRUE(mm.unregister_allocator(AllocatorId{9}));
  }
  stop = true;
  reader.join();
  EXPECT_FALSE(wrong.load());
}

TEST(MemoryManager, GlobalIsOneInstance) { EXPECT_EQ(&MemoryManager::global(), &MemoryManager::global()); }
