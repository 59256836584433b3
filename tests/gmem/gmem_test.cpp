// gmem on host memory: effects measured with mincore / move_pages, ordering and late errors on a
// host stream, and bad input that must change nothing.
#include "unimem/gmem/gmem.hpp"

#include <gtest/gtest.h>
#include <numa.h>
#include <sched.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "support/test_support.hpp"
#include "unimem/core/align.hpp"
#include "unimem/gmem/residency.hpp"
#include "unimem/gmem/topology.hpp"

using namespace unimem;
using namespace unimem::gmem;

namespace {

constexpr std::size_t kPage = kDefaultPageSize;

// An anonymous private mapping whose start is aligned to 2 MiB, unmapped at the end of the test.
class Region {
 public:
  explicit Region(std::size_t bytes) : bytes_(bytes) {
    raw_len_ = bytes + kPage;
    raw_ = mmap(nullptr, raw_len_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw_ == MAP_FAILED) throw std::runtime_error("mmap");
    base_ = reinterpret_cast<char *>(align_up(reinterpret_cast<std::uintptr_t>(raw_), kPage));
  }
  ~Region() {
    if (raw_ != nullptr) munmap(raw_, raw_len_);
  }
  char *data() const { return base_; }
  std::size_t size() const { return bytes_; }
  void fill(char c) { std::memset(base_, c, bytes_); }
  std::size_t resident(std::size_t offset, std::size_t len) const {
    auto r = residency(base_ + offset, len);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().what());
    return r.ok() ? r->resident : 0;
  }
  std::size_t pages(std::size_t len) const { return len / 4096; }
  void unmap_now() {
    munmap(raw_, raw_len_);
    raw_ = nullptr;
  }

 private:
  std::size_t bytes_, raw_len_;
  void *raw_;
  char *base_;
};

bool all_equal(const char *p, std::size_t n, char c) {
  return std::all_of(p, p + n, [c](char x) { return x == c; });
}

}  // namespace

TEST(GmemFreeEager, ReleasesTheWholePagesInsideTheRange) {
  Region r(4 * kPage);
  r.fill('x');
  ASSERT_EQ(r.resident(0, r.size()), r.pages(r.size()));
  // [1, 3 pages + 1): only pages 1 and 2 are whole inside it.
  UNIMEM_ASSERT_OK(free_eager(r.data() + 1, 3 * kPage));
  EXPECT_EQ(r.resident(0, kPage), r.pages(kPage)) << "page 0 is only partly inside";
  EXPECT_EQ(r.resident(kPage, 2 * kPage), 0u);
  EXPECT_EQ(r.resident(3 * kPage, kPage), r.pages(kPage));
  EXPECT_TRUE(all_equal(r.data() + kPage, 2 * kPage, 0)) << "released private pages read back as zero";
  EXPECT_TRUE(all_equal(r.data(), kPage, 'x'));
}

TEST(GmemFreeEager, NoWholePageInsideSucceedsAndDoesNothing) {
  Region r(2 * kPage);
  r.fill('y');
  UNIMEM_ASSERT_OK(free_eager(r.data() + 4096, 2 * kPage - 8192));
  EXPECT_EQ(r.resident(0, r.size()), r.pages(r.size()));
  UNIMEM_ASSERT_OK(free_eager(r.data(), 0));
  EXPECT_TRUE(all_equal(r.data(), r.size(), 'y'));
}

TEST(GmemFreeEager, PageSizeIsConfigurable) {
  Region r(kPage);
  r.fill('z');
  UNIMEM_ASSERT_OK(free_eager(r.data() + 100, 3 * 4096, {}, {.page_size = 4096}));
  EXPECT_EQ(r.resident(0, kPage), r.pages(kPage) - 2) << "two whole 4 KiB pages inside";
}

TEST(GmemFreeEager, MadvFreeOption) {
  Region r(kPage);
  r.fill('f');
  UNIMEM_ASSERT_OK(free_eager(r.data(), kPage, {}, {.mode = FreeMode::free}));
  void *shared = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(shared, MAP_FAILED);
  auto refused = free_eager(shared, kPage, {}, {.page_size = 4096, .mode = FreeMode::free});
  EXPECT_EQ(refused.code(), Errc::invalid_argument) << "MADV_FREE is for private anonymous memory";
  munmap(shared, kPage);
}

TEST(GmemPrefetch, PagesAreResidentBeforeFirstTouch) {
  Region r(4 * kPage);
  ASSERT_EQ(r.resident(0, r.size()), 0u) << "fresh anonymous memory is not resident";
  UNIMEM_ASSERT_OK(prefetch(r.data() + kPage + 10, 1, 0));
  EXPECT_EQ(r.resident(kPage, kPage), r.pages(kPage)) << "the whole covering 2 MiB page";
  EXPECT_EQ(r.resident(0, kPage), 0u);
  EXPECT_EQ(r.resident(2 * kPage, 2 * kPage), 0u);
}

TEST(GmemPrefetch, OutwardRangeIsClippedToTheMapping) {
  // Three pages of 4 KiB, wherever the kernel puts them: the covering 2 MiB page reaches past them
  // (unless the three straddle a 2 MiB boundary: then only those on the byte's side are in it).
  void *p = mmap(nullptr, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  const auto at = reinterpret_cast<std::uintptr_t>(p) + 4096 + 5;
  const std::uintptr_t page = at & ~(std::uintptr_t{kDefaultPageSize} - 1);
  std::size_t covered = 0;
  for (std::uintptr_t q = reinterpret_cast<std::uintptr_t>(p); q < reinterpret_cast<std::uintptr_t>(p) + 3 * 4096; q += 4096) {
    covered += q >= page && q < page + kDefaultPageSize;
  }
  UNIMEM_ASSERT_OK(prefetch(reinterpret_cast<void *>(at), 1, 0));
  auto res = residency(p, 3 * 4096);
  UNIMEM_ASSERT_OK(res);
  EXPECT_EQ(res->resident, covered);
  EXPECT_GE(covered, 2u);
  munmap(p, 3 * 4096);
}

// The 2 MiB page around the caller's bytes reaches into neighbours that refuse the access: the
// caller's own pages are still brought in (and, once in place, count as hot), and read-only memory
// is brought in for reading.
TEST(GmemPrefetch, NeighboursThatRefuseTheAccessDoNotStopIt) {
  const std::size_t os = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  if (madvise(nullptr, 0, MADV_POPULATE_READ) != 0) GTEST_SKIP() << "this kernel has no MADV_POPULATE_* (before 5.14)";
  // The caller's page, and neighbours in its 2 MiB page that refuse: on both sides, or only above
  // (then the refused populate has brought the caller's page in before it stopped).
  const auto check = [&](std::size_t mine, std::initializer_list<std::size_t> refusing, int prot) {
    Region r(kPage);
    char *own = r.data() + mine * os;
    for (const std::size_t n : refusing) ASSERT_EQ(mprotect(r.data() + n * os, os, prot), 0);
    clear_hotness();
    EXPECT_TRUE(prefetch(own + 5, 1, 0));
    auto res = residency(own, os);
    EXPECT_TRUE(res && res->resident == 1u) << "the caller's page was not populated";
    EXPECT_EQ(hotness(own), 0u) << "the first prefetch brought the page in";
    EXPECT_TRUE(prefetch(own + 5, 1, 0));
    EXPECT_EQ(hotness(own), 1u) << "the second found the caller's page in place";
  };
  for (const int prot : {PROT_READ, PROT_NONE}) {
    SCOPED_TRACE(prot == PROT_READ ? "read-only neighbours" : "guard page neighbours");
    check(9, {8, 10}, prot);
    check(0, {1}, prot);
  }
  auto *ro = static_cast<char *>(mmap(nullptr, os, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(ro, MAP_FAILED);
  // A write prefetch of read-only memory populates it for reading.
  EXPECT_TRUE(prefetch(ro, os, 0));
  EXPECT_EQ(residency(ro, os)->resident, 1u);
  auto *none = static_cast<char *>(mmap(nullptr, os, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(none, MAP_FAILED);
  // No access is possible there: refused (EINVAL or EFAULT, by kernel version).
  const Errc code = prefetch(none, os, 0).code();
  EXPECT_TRUE(code == Errc::invalid_argument || code == Errc::bad_address) << static_cast<int>(code);
  munmap(ro, os);
  munmap(none, os);
}

TEST(GmemPrefetch, AlreadyResidentMarksHotAndFreeEagerForgets) {
  clear_hotness();
  Region r(2 * kPage);
  UNIMEM_ASSERT_OK(prefetch(r.data(), kPage, 0));
  EXPECT_EQ(hotness(r.data()), 0u) << "the first prefetch moved data: not hot";
  UNIMEM_ASSERT_OK(prefetch(r.data(), kPage, 0));
  UNIMEM_ASSERT_OK(prefetch(r.data() + 5, 10, 0));
  EXPECT_EQ(hotness(r.data()), 2u);
  EXPECT_EQ(hotness(r.data() + kPage - 1), 2u) << "counted per page";
  EXPECT_EQ(hotness(r.data() + kPage), 0u);
  UNIMEM_ASSERT_OK(free_eager(r.data(), kPage));
  EXPECT_EQ(hotness(r.data()), 0u);
}

TEST(GmemPrefetch, ReadAccessPopulatesReadable) {
  Region r(kPage);
  UNIMEM_ASSERT_OK(prefetch(r.data(), kPage, 0, {}, {.access = Access::read}));
  EXPECT_EQ(r.resident(0, kPage), r.pages(kPage));
}

TEST(GmemPrefetch, MovesPagesToTheRequestedNode) {
  std::vector<int> cpu;
  for (const auto &n : topology()) {
    if (n.kind == NodeKind::cpu) cpu.push_back(n.hnid);
  }
  if (cpu.size() < 2) GTEST_SKIP() << "one NUMA node here: placement on another node cannot be observed";
  Region r(2 * kPage);
  r.fill('n');
  const int target = cpu.back();
  UNIMEM_ASSERT_OK(prefetch(r.data(), r.size(), target));
  auto nodes = page_nodes(r.data(), r.size());
  UNIMEM_ASSERT_OK(nodes);
  EXPECT_TRUE(std::all_of(nodes->begin(), nodes->end(), [&](int n) { return n == target; }));
  EXPECT_TRUE(all_equal(r.data(), r.size(), 'n'));
}

TEST(GmemStream, OperationsRunInStreamOrder) {
  auto s = Stream::host();
  UNIMEM_ASSERT_OK(s);
  Region r(2 * kPage);
  std::vector<int> order;
  UNIMEM_ASSERT_OK(s->enqueue([&] {
    std::memset(r.data(), 'a', r.size());
    order.push_back(1);
    return success();
  }));
  UNIMEM_ASSERT_OK(free_eager(r.data(), kPage, *s));
  UNIMEM_ASSERT_OK(s->enqueue([&] {
    order.push_back(all_equal(r.data(), kPage, 0) && all_equal(r.data() + kPage, kPage, 'a') ? 2 : -2);
    return success();
  }));
  UNIMEM_ASSERT_OK(prefetch(r.data(), kPage, 0, *s));
  UNIMEM_ASSERT_OK(s->enqueue([&] {
    auto res = residency(r.data(), kPage);
    order.push_back(res && res->resident == kPage / 4096 ? 3 : -3);
    return success();
  }));
  UNIMEM_ASSERT_OK(s->synchronize());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(GmemStream, LateErrorsArriveThroughSynchronize) {
  auto s = Stream::host();
  UNIMEM_ASSERT_OK(s);
  Region r(2 * kPage);
  r.fill('e');
  std::atomic<bool> release{false};
  // Hold the stream, so the range is still mapped when the calls are checked, then unmap it.
  UNIMEM_ASSERT_OK(s->enqueue([&] {
    while (!release.load()) sched_yield();
    r.unmap_now();
    return success();
  }));
  UNIMEM_ASSERT_OK(free_eager(r.data(), kPage, *s));
  UNIMEM_ASSERT_OK(prefetch(r.data(), kPage, 0, *s));
  release = true;
  auto late = s->synchronize();
  EXPECT_EQ(late.code(), Errc::bad_address) << (late.ok() ? "no error" : late.error().what());
  UNIMEM_ASSERT_OK(s->synchronize());  // reported once
}

TEST(GmemErrors, BadInputIsRefusedAndChangesNothing) {
  clear_hotness();
  Region r(2 * kPage);
  r.fill('k');
  UNIMEM_ASSERT_OK(prefetch(r.data(), kPage, 0));  // resident already: hot once
  ASSERT_EQ(hotness(r.data()), 1u);
  Region gone(kPage);
  char *unmapped = gone.data();
  gone.unmap_now();

  EXPECT_EQ(free_eager(nullptr, kPage).code(), Errc::invalid_argument);
  EXPECT_EQ(prefetch(nullptr, kPage, 0).code(), Errc::invalid_argument);
  EXPECT_EQ(free_eager(unmapped, kPage).code(), Errc::bad_address);
  EXPECT_EQ(prefetch(unmapped, kPage, 0).code(), Errc::bad_address);
  auto *holed = static_cast<char *>(mmap(nullptr, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(holed, MAP_FAILED);
  std::memset(holed, 'h', 3 * 4096);
  munmap(holed + 2 * 4096, 4096);
  EXPECT_EQ(free_eager(holed, 3 * 4096, {}, {.page_size = 4096}).code(), Errc::bad_address) << "runs into a hole";
  EXPECT_TRUE(all_equal(holed, 2 * 4096, 'h')) << "nothing of the mapped part was released";
  munmap(holed, 2 * 4096);
  EXPECT_EQ(prefetch(r.data(), kPage, 100000).code(), Errc::no_device);
  EXPECT_EQ(prefetch(r.data(), kPage, -1).code(), Errc::no_device);
  EXPECT_EQ(free_eager(r.data(), kPage, {}, {.page_size = 3 << 20}).code(), Errc::invalid_argument);
  EXPECT_EQ(free_eager(r.data(), kPage, {}, {.page_size = 1024}).code(), Errc::invalid_argument);
  EXPECT_EQ(prefetch(r.data(), kPage, 0, {}, {.page_size = 0}).code(), Errc::invalid_argument);
  auto *top = reinterpret_cast<char *>(~std::uintptr_t{0} - 4095);
  EXPECT_EQ(free_eager(top, 8192).code(), Errc::invalid_argument) << "addr + size wraps";
  EXPECT_EQ(prefetch(top, 8192, 0).code(), Errc::invalid_argument);
  // A mapped start with a range of 2^50 bytes: refused before a byte per page is allocated.
  EXPECT_EQ(residency(r.data(), std::size_t{1} << 50).code(), Errc::bad_address);
  EXPECT_EQ(page_nodes(r.data(), std::size_t{1} << 50).code(), Errc::bad_address);

  EXPECT_EQ(r.resident(0, r.size()), r.pages(r.size()));
  EXPECT_TRUE(all_equal(r.data(), r.size(), 'k'));
  EXPECT_EQ(hotness(r.data()), 1u);
}

TEST(GmemTopology, CpuNodesFirstThenDevices) {
  const auto nodes = topology();
  ASSERT_FALSE(nodes.empty());
  EXPECT_EQ(nodes.front().kind, NodeKind::cpu);
  bool devices = false;
  int previous = -1;
  for (const auto &n : nodes) {
    EXPECT_GT(n.hnid, previous);
    previous = n.hnid;
    if (n.kind != NodeKind::cpu) devices = true;
    EXPECT_FALSE(devices && n.kind == NodeKind::cpu) << "a CPU node after a device";
    if (n.kind == NodeKind::cpu) EXPECT_EQ(n.hnid, n.index) << "CPU hnids are Linux node numbers";
    EXPECT_GT(n.memory_bytes, 0u) << n.name;
    auto back = node(n.hnid);
    UNIMEM_ASSERT_OK(back);
    EXPECT_EQ(back->name, n.name);
  }
}

TEST(GmemTopology, NumaIdIsTheCallersNodeWithoutAGpu) {
  auto id = numa_id();
  UNIMEM_ASSERT_OK(id);
  auto n = node(*id);
  UNIMEM_ASSERT_OK(n);
  if (n->kind != NodeKind::cpu) GTEST_SKIP() << "a GPU is present: numa_id() is its hnid (tests/gpu checks it)";
  if (numa_available() >= 0) EXPECT_EQ(*id, numa_node_of_cpu(sched_getcpu()));
}
