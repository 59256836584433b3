// Containers under misuse and damage: a second destroy() through another handle, erase(end()),
// attach to states whose fields no container could have written (another process's bug, or a
// damaged region), and a writer killed mid-change. Each is refused or a no-op, or leaves a
// container that attaches; none corrupts the region or hangs.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "container_heap.hpp"
#include "unimem/containers/directory.hpp"
#include "unimem/containers/list.hpp"
#include "unimem/containers/mpmc_queue.hpp"
#include "unimem/containers/spsc_queue.hpp"
#include "unimem/containers/string.hpp"
#include "unimem/containers/unordered_map.hpp"
#include "unimem/containers/vector.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"

namespace unimem {
namespace {

template <class A>
using Damage = test::HeapTest<A>;
TYPED_TEST_SUITE(Damage, test::AllAllocators);

// The state of container @p c, as another process could scribble on it.
template <class C>
typename C::state &state_of(const C &c, const typename C::allocator_type &alloc) {
  return *c.offset().get_unchecked(alloc.base());
}

// Destroying through a second handle (or a moved-from copy) must not free anything again: the
// heap's free-list link lives where the state's tag was, and the next blocks of that size would
// then start at offset 0 or follow a link out of the heap.
template <class C, class A, class... Args>
void second_destroy_frees_nothing(A &alloc, Args... args) {
  auto c = C::create(alloc, args...).value();
  auto copy = c;
  c.destroy();
  EXPECT_FALSE(c.valid());
  copy.destroy();
  EXPECT_FALSE(copy.valid()) << "the stale handle was nulled";
  std::set<std::uint64_t> offsets;
  for (int i = 0; i < 3; ++i) {
    auto fresh = C::create(alloc, args...).value();
    EXPECT_TRUE(offsets.insert(fresh.offset().offset()).second) << "a block was handed out twice";
    EXPECT_TRUE(C::attach(alloc, fresh.offset())) << "a fresh container attaches";
  }
}

TYPED_TEST(Damage, ASecondDestroyThroughAnotherHandleFreesNothing) {
  auto &a = *this->heap.alloc;
  second_destroy_frees_nothing<vector<std::uint64_t, TypeParam>>(a, std::size_t{4});
  second_destroy_frees_nothing<basic_string<char, TypeParam>>(a, std::string_view("text"));
  second_destroy_frees_nothing<list<int, TypeParam>>(a);
  second_destroy_frees_nothing<unordered_map<std::uint64_t, int, TypeParam>>(a, std::size_t{16});
  second_destroy_frees_nothing<mpmc_queue<int, TypeParam>>(a, std::size_t{8});
  second_destroy_frees_nothing<spsc_queue<int, TypeParam>>(a, std::size_t{8});
}

TYPED_TEST(Damage, MapEraseOfEndErasesNothing) {
  auto m = unordered_map<std::uint64_t, int, TypeParam>::create(*this->heap.alloc, 100).value();
  ASSERT_GE(m.capacity(), 64u) << "a lock word past the table's would be its first slot's key";
  for (std::uint64_t k = 1; k < 300; k += 2) ASSERT_TRUE(m.emplace(k, 1).second);
  const std::size_t before = m.size();
  EXPECT_TRUE(m.erase(m.end()) == m.end());
  EXPECT_TRUE(m.erase(m.find(2)) == m.end()) << "find of an absent key is end()";
  EXPECT_EQ(m.size(), before);
  for (std::uint64_t k = 1; k < 300; k += 2) ASSERT_TRUE(m.contains(k)) << k;
  m.destroy();
}

// A vector whose growth was cut between two of the state's three stores (its writer killed) is the
// old vector or is refused: never a range over the freed block and whatever lies beside it.
template <class Vec, class A>
void torn_growth_is_refused(Vec &v, A &alloc, std::size_t capacity, bool expect_below) {
  auto &s = state_of(v, alloc);
  const auto old = s;
  const std::vector<std::uint64_t> elements(v.begin(), v.end());
  ASSERT_TRUE(v.reserve(capacity));
  const auto grown = s;
  ASSERT_NE(grown.data, old.data) << "the block did not move";
  const auto here = reinterpret_cast<std::uintptr_t>(&s);
  const bool below = here + grown.data < here + old.data;
  if (expect_below) EXPECT_TRUE(below) << "the new block was meant to lie below the old one";
  // The two states between the three stores, in vector::move_to's order for this direction.
  auto first = old, second = old;
  if (below) {
    first.end = second.end = grown.end;
    second.limit = grown.limit;
  } else {
    first.data = second.data = grown.data;
    second.end = grown.end;
  }
  for (const auto &torn : {first, second}) {
    s = torn;
    const auto r = Vec::attach(alloc, v.offset());
    EXPECT_TRUE(!r && r.code() == Errc::corrupt) << "a torn state attached";
  }
  s = grown;
  EXPECT_TRUE(std::equal(elements.begin(), elements.end(), v.begin()));
}

TYPED_TEST(Damage, AGrowthCutShortIsRefusedNotMisread) {
  auto &a = *this->heap.alloc;
  using Vec = vector<std::uint64_t, TypeParam>;
  auto v = Vec::create(a, 4).value();
  for (std::uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(v.push_back(i + 1));
  torn_growth_is_refused(v, a, 100, false);
  v.destroy();
  if constexpr (!std::is_same_v<TypeParam, MallocAllocator>) {
    // Into a freed block below: the other order.
    const OffsetPtr<void> low = a.allocate_offset(MemContext{}, std::size_t{1} << 16);
    ASSERT_FALSE(low.is_null());
    auto w = Vec::create(a, 1000).value();
    for (std::uint64_t i = 0; i < 1000; ++i) ASSERT_TRUE(w.push_back(i));
    ASSERT_EQ(a.free_offset(MemContext{}, low), Errc::ok);
    torn_growth_is_refused(w, a, (std::size_t{1} << 16) / sizeof(std::uint64_t), true);
    w.destroy();
  }
}

TYPED_TEST(Damage, AttachRefusesStatesWithFieldsOutOfRange) {
  auto &a = *this->heap.alloc;
  const auto refused = [](const auto &r) { return !r && r.code() == Errc::corrupt; };

  using Vec = vector<std::uint64_t, TypeParam>;
  auto v = Vec::create(a, 8).value();
  auto &vs = state_of(v, a);
  const auto good = vs;
  vs.end = vs.limit + 8;
  EXPECT_TRUE(refused(Vec::attach(a, v.offset()))) << "size above capacity";
  vs.end = vs.data + 4;
  EXPECT_TRUE(refused(Vec::attach(a, v.offset()))) << "half an element";
  // The same 8 elements, moved to the region's last bytes (state-relative offsets; aligned, so that
  // the range is what is refused).
  const std::uint64_t state_at = v.offset().offset(), outside = (a.extent() - 8) & ~std::uint64_t{7};
  vs.data = vs.end = outside - state_at;
  vs.limit = vs.data + 8 * sizeof(std::uint64_t);
  EXPECT_TRUE(refused(Vec::attach(a, v.offset()))) << "elements outside the region";
  vs = good;
  EXPECT_TRUE(Vec::attach(a, v.offset()));
  v.destroy();

  using Str = basic_string<char, TypeParam>;
  auto str = Str::create(a, "abc").value();
  str.data()[3] = 'x';
  EXPECT_TRUE(refused(Str::attach(a, str.offset()))) << "no terminator";
  str.data()[3] = '\0';
  EXPECT_TRUE(Str::attach(a, str.offset()));
  str.destroy();

  using Map = unordered_map<std::uint64_t, int, TypeParam>;
  auto m = Map::create(a, 16).value();
  auto &ms = state_of(m, a);
  const auto cap = ms.capacity;
  for (const std::uint64_t bad : {std::uint64_t{0}, std::uint64_t{4}, cap + 8, cap * 2}) {
    ms.capacity = bad;
    EXPECT_TRUE(refused(Map::attach(a, m.offset()))) << "capacity " << bad;
  }
  ms.capacity = cap;
  for (const std::uint32_t bad : {0u, 9u, 96u, 1000u}) {
    ms.max_load_percent = bad;
    EXPECT_TRUE(refused(Map::attach(a, m.offset()))) << "max load " << bad;
  }
  ms.max_load_percent = Map::kDefaultMaxLoadPercent;
  ms.growth = 7;
  EXPECT_TRUE(refused(Map::attach(a, m.offset()))) << "growth";
  ms.growth = 0;
  ms.size.store(cap + 1, std::memory_order_relaxed);
  EXPECT_TRUE(refused(Map::attach(a, m.offset()))) << "size";
  ms.size.store(0, std::memory_order_relaxed);
  const auto slots = ms.slots;
  ms.slots = OffsetPtr<typename Map::value_type>(slots.offset() + 64);
  EXPECT_TRUE(refused(Map::attach(a, m.offset()))) << "slots apart from the table";
  ms.slots = slots;
  EXPECT_TRUE(Map::attach(a, m.offset()));
  m.destroy();

  using Mpmc = mpmc_queue<int, TypeParam>;
  auto q = Mpmc::create(a, 8).value();
  auto &qs = state_of(q, a);
  for (const std::uint64_t bad_mask : {std::uint64_t{0}, std::uint64_t{5}, std::uint64_t{1} << 40}) {
    qs.mask = bad_mask;
    EXPECT_TRUE(refused(Mpmc::attach(a, q.offset()))) << "mask " << bad_mask;
  }
  qs.mask = 7;
  const auto buffer = qs.buffer;
  qs.buffer = decltype(qs.buffer)(a.extent() - 64);
  EXPECT_TRUE(refused(Mpmc::attach(a, q.offset()))) << "slots outside the region";
  qs.buffer = buffer;
  EXPECT_TRUE(Mpmc::attach(a, q.offset()));
  q.destroy();

  using Spsc = spsc_queue<int, TypeParam>;
  auto sq = Spsc::create(a, 8).value();
  state_of(sq, a).mask = 0;
  EXPECT_TRUE(refused(Spsc::attach(a, sq.offset()))) << "one slot";
  state_of(sq, a).mask = 7;
  sq.destroy();

  using List = list<int, TypeParam>;
  auto l = List::create(a).value();
  ASSERT_TRUE(l.push_back(1));
  auto &ls = state_of(l, a);
  const auto next = ls.sentinel.next;
  ls.sentinel.next = OffsetPtr<detail::list_links>(a.extent() - 4);
  EXPECT_TRUE(refused(List::attach(a, l.offset()))) << "sentinel leads outside";
  ls.sentinel.next = next;
  const auto prev = ls.sentinel.prev;
  ls.sentinel.prev = OffsetPtr<detail::list_links>(prev.offset() + 1);
  EXPECT_TRUE(refused(List::attach(a, l.offset()))) << "sentinel's prev misaligned";
  ls.sentinel.prev = prev;
  EXPECT_TRUE(List::attach(a, l.offset()));
  l.destroy();
}

TYPED_TEST(Damage, ListClearFollowsTheLinksNotADamagedSize) {
  auto l = list<int, TypeParam>::create(*this->heap.alloc).value();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(l.push_back(i));
  state_of(l, *this->heap.alloc).size = 1000;  // clear() counted this down and spun for ever
  l.clear();
  EXPECT_EQ(l.size(), 0u);
  EXPECT_TRUE(l.begin() == l.end());
  l.destroy();
}

TYPED_TEST(Damage, MpmcQueueWithADamagedCellRefusesInsteadOfSpinning) {
  auto q = mpmc_queue<int, TypeParam>::create(*this->heap.alloc, 8).value();
  auto &s = state_of(q, *this->heap.alloc);
  auto *cells = s.buffer.get_unchecked(this->heap.alloc->base());
  cells[0].seq.store(5, std::memory_order_relaxed);  // ahead of the ticket (0), which no push or pop could have left
  EXPECT_FALSE(q.try_push(1));
  cells[0].seq.store(0, std::memory_order_relaxed);
  ASSERT_TRUE(q.try_push(1));
  cells[0].seq.store(7, std::memory_order_relaxed);  // ahead of what a pop of ticket 0 expects (1)
  int out = 0;
  EXPECT_FALSE(q.try_pop(out));
  cells[0].seq.store(1, std::memory_order_relaxed);
  EXPECT_TRUE(q.try_pop(out));
  EXPECT_EQ(out, 1);
  q.destroy();
}

}  // namespace
}  // namespace unimem

namespace unimem {
namespace {

TEST(DamagedDirectory, ANameWithoutItsNulIsNotReadPastItsField) {
  test::Heap<ThreadLocalAllocator> heap;
  auto &a = *heap.alloc;
  auto dir = Directory<>::open(a).value();
  ASSERT_TRUE(dir.create<vector<int>>("v", 4));
  // The entries vector, reached as another process would: root -> directory state -> entries.
  auto *ds = OffsetPtr<Directory<>::state>(a.root().load(std::memory_order_acquire)).get_unchecked(a.base());
  auto entries = vector<directory_entry>::attach(a, ds->entries).value();
  ASSERT_EQ(entries.size(), 1u);
  std::memset(entries[0].name, 'n', sizeof entries[0].name);  // no NUL: strlen would run into the tag
  const auto names = dir.names();
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0], std::string(sizeof entries[0].name, 'n'));
  EXPECT_EQ(dir.find<vector<int>>("v").code(), Errc::not_found);
}

// A string whose writer is killed at any instant still attaches: each change writes the terminator
// the new size needs before the size moves (append, resize, erase, pop_back, clear). The child
// changes the string within room reserved beforehand, so it never allocates.
TEST(KilledWriter, AStringWhoseWriterDiesAnywhereStillAttaches) {
  const std::string name = "unimem-test-killed-writer-" + std::to_string(getpid());
  auto backend = PosixShmBackend::create(name, std::size_t{16} << 20).value();
  auto alloc = ThreadLocalAllocator::create(*backend, AllocatorId{1}).value();
  using Str = basic_string<char, ThreadLocalAllocator>;
  auto s = Str::create(*alloc).value();
  const std::string chunk(1024, 'c');
  constexpr std::size_t kSteps = 64;
  ASSERT_TRUE(s.reserve(kSteps * (chunk.size() + 3000)));
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (;;) {
        s.clear();
        for (std::size_t k = 0; k < kSteps; ++k) {
          (void)s.append(chunk);
          (void)s.resize(s.size() + 3000, 'r');
          s.erase(50, 1000);
          (void)s.pop_back();
          (void)s.resize(s.size() - 500);
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 1000));
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    auto again = Str::attach(*alloc, s.offset());
    ASSERT_TRUE(again) << again.error().what() << " (round " << round << ")";
    EXPECT_EQ(again->c_str()[again->size()], '\0');
  }
  s.destroy();
  alloc.reset();
  EXPECT_TRUE(backend->destroy());
}

}  // namespace
}  // namespace unimem
