// Bad input to the backends: every case returns its documented error, and nothing is left behind
// or damaged.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "support/pattern.hpp"
#include "support/test_support.hpp"
#include "unimem/core/align.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/backend/array_backend.hpp"
#include "unimem/memory/backend/malloc_backend.hpp"
#include "unimem/memory/backend/posix_mmap_backend.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"

using namespace unimem;

namespace {

// Edits a region's header through a mapping of our own, as a buggy or hostile process could.
template <class F>
void edit_header(const std::string &name, F &&edit) {
  int fd = shm_open(("/" + name).c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0);
  void *p = mmap(nullptr, RegionHeader::kHeaderBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(p, MAP_FAILED);
  edit(*static_cast<RegionHeader *>(p));
  munmap(p, RegionHeader::kHeaderBytes);
  close(fd);
}

void truncate_to(const std::string &name, off_t size) {
  int fd = shm_open(("/" + name).c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, size), 0);
  close(fd);
}

}  // namespace

TEST(ShmNames, BadNamesAreRejectedAndCreateNothing) {
  const std::string too_long(300, 'x');
  for (const std::string bad : {"", "/", "a/b", "/a/b", "..", too_long.c_str()}) {
    auto r = PosixShmBackend::create(bad, 4096);
    EXPECT_EQ(r.code(), Errc::invalid_argument) << "name '" << bad << "'";
    EXPECT_EQ(PosixShmBackend::attach(bad).code(), Errc::invalid_argument) << bad;
  }
  // shm_open would see only the part before a NUL, and so open another region.
  const std::string with_nul = test::unique_name("nul") + std::string(1, '\0') + "tail";
  EXPECT_EQ(PosixShmBackend::create(with_nul, 4096).code(), Errc::invalid_argument);
  EXPECT_EQ(PosixShmBackend::attach(with_nul).code(), Errc::invalid_argument);
  EXPECT_FALSE(test::shm_exists(with_nul.substr(0, with_nul.find('\0'))));
  auto n = PosixShmBackend::normalize_name("plain");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, "/plain");
  EXPECT_EQ(*PosixShmBackend::normalize_name("/plain"), "/plain");
  EXPECT_TRUE(PosixShmBackend::normalize_name(std::string(253, 'y')));
  EXPECT_FALSE(PosixShmBackend::normalize_name(std::string(255, 'y')));
}

TEST(ShmSizes, ZeroAndAbsurdSizesAreRejected) {
  const std::string name = test::unique_name("sizes");
  test::ShmNameGuard guard(name);
  EXPECT_EQ(PosixShmBackend::create(name, 0).code(), Errc::invalid_argument);
  EXPECT_EQ(PosixShmBackend::create(name, std::size_t{1} << 60).code(), Errc::invalid_argument);
  EXPECT_EQ(PosixShmBackend::create(name, ~std::size_t{0}).code(), Errc::invalid_argument);
  EXPECT_FALSE(test::shm_exists(name));
  // Possible in the address space but more than /dev/shm holds: refused, and the name is removed.
  auto huge = PosixShmBackend::create(name, RegionHeader::kMaxRegionBytes / 2);
  EXPECT_EQ(huge.code(), Errc::out_of_memory) << (huge ? "" : huge.error().what());
  EXPECT_FALSE(test::shm_exists(name));
  EXPECT_EQ(MallocBackend::create(0).code(), Errc::invalid_argument);
  EXPECT_EQ(PosixMmapBackend::create(0).code(), Errc::invalid_argument);
  EXPECT_EQ(PosixMmapBackend::create(std::size_t{1} << 62).code(), Errc::invalid_argument);
}

TEST(ShmCreate, ExistingNameIsAnErrorAndKeepsTheRegion) {
  const std::string name = test::unique_name("exists");
  test::ShmNameGuard guard(name);
  auto first = PosixShmBackend::create(name, 8192);
  ASSERT_TRUE(first);
  test::fill_pattern((*first)->data(), 8192, 3);
  auto second = PosixShmBackend::create(name, 4096);
  EXPECT_EQ(second.code(), Errc::already_exists);
  EXPECT_EQ(test::find_pattern_mismatch((*first)->data(), 8192, 3), std::nullopt);
  auto attached = PosixShmBackend::attach(name);
  ASSERT_TRUE(attached);
  EXPECT_EQ((*attached)->region_size(), (*first)->region_size());
}

TEST(ShmDestroy, AStaleHandleLeavesANewRegionOfTheSameNameAlone) {
  const std::string name = test::unique_name("reused");
  test::ShmNameGuard guard(name);
  auto first = PosixShmBackend::create(name, 4096);
  ASSERT_TRUE(first);
  auto stale = PosixShmBackend::attach(name);
  ASSERT_TRUE(stale);
  ASSERT_TRUE((*first)->destroy());
  auto second = PosixShmBackend::create(name, 8192);
  ASSERT_TRUE(second) << "the name is free again";
  EXPECT_TRUE((*stale)->destroy()) << "its own region is already gone";
  auto again = PosixShmBackend::attach(name);
  ASSERT_TRUE(again) << "the new region keeps its name";
  EXPECT_EQ((*again)->region_size(), (*second)->region_size());
  EXPECT_TRUE((*second)->destroy());
  EXPECT_FALSE(test::shm_exists(name));
}

TEST(ShmCreate, DefaultModeIsOwnerOnly) {
  const std::string name = test::unique_name("mode");
  test::ShmNameGuard guard(name);
  ASSERT_TRUE(PosixShmBackend::create(name, 4096));
  struct stat st {};
  ASSERT_EQ(stat(("/dev/shm/" + name).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(ShmAttach, MissingRegionIsNotFound) {
  auto r = PosixShmBackend::attach(test::unique_name("missing"));
  EXPECT_EQ(r.code(), Errc::not_found);
  EXPECT_NE(r.error().message().find("shm_open"), std::string::npos);
}

class DamagedRegion : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = PosixShmBackend::create(name, 64 * 1024);
    ASSERT_TRUE(r);
    region_bytes = (*r)->region_size();
  }
  std::string name = test::unique_name("damaged");
  test::ShmNameGuard guard{name};
  std::size_t region_bytes = 0;
};

TEST_F(DamagedRegion, BadMagicIsCorrupt) {
  edit_header(name, [](RegionHeader &h) { h.magic = 0x1234; });
  auto r = PosixShmBackend::attach(name);
  EXPECT_EQ(r.code(), Errc::corrupt);
  EXPECT_NE(r.error().message().find("bad magic"), std::string::npos);
}

TEST_F(DamagedRegion, FlippedHeaderByteFailsTheChecksum) {
  edit_header(name, [](RegionHeader &h) { h.creator_pid ^= 1; });
  auto r = PosixShmBackend::attach(name);
  EXPECT_EQ(r.code(), Errc::corrupt);
  EXPECT_NE(r.error().message().find("checksum"), std::string::npos);
}

TEST_F(DamagedRegion, OtherLayoutVersionIsVersionMismatch) {
  edit_header(name, [](RegionHeader &h) { h.version = RegionHeader::kVersion + 1; });
  EXPECT_EQ(PosixShmBackend::attach(name).code(), Errc::version_mismatch);
}

TEST_F(DamagedRegion, ShorterFileIsTruncated) {
  truncate_to(name, static_cast<off_t>(region_bytes / 2));
  auto r = PosixShmBackend::attach(name);
  EXPECT_EQ(r.code(), Errc::truncated);
  truncate_to(name, 100);  // not even a whole header
  EXPECT_EQ(PosixShmBackend::attach(name).code(), Errc::truncated);
}

TEST_F(DamagedRegion, ImpossibleSizeInHeaderIsCorrupt) {
  // Headers with a matching checksum (as a buggy writer would leave) and an impossible size.
  for (const std::uint64_t bad : {std::uint64_t{100}, RegionHeader::kMaxRegionBytes + 4096}) {
    edit_header(name, [&](RegionHeader &h) {
      const std::string region_name = h.name;  // make_region_header clears h first
      make_region_header(h, h.backend_kind(), bad, region_name);
    });
    auto r = PosixShmBackend::attach(name);
    EXPECT_EQ(r.code(), Errc::corrupt) << bad;
    EXPECT_NE(r.error().message().find("impossible size"), std::string::npos) << r.error().what();
  }
  edit_header(name, [](RegionHeader &h) { h.header_bytes = 17; });
  EXPECT_EQ(PosixShmBackend::attach(name).code(), Errc::corrupt);
}

TEST(ShmAttach, UninitialisedRegionIsBusy) {
  const std::string name = test::unique_name("unfinished");
  test::ShmNameGuard guard(name);
  int fd = shm_open(("/" + name).c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);  // a creator that stopped early
  ASSERT_GE(fd, 0);
  close(fd);
  EXPECT_EQ(PosixShmBackend::attach(name).code(), Errc::busy);
  truncate_to(name, 8192);  // sized, but the header was never published
  EXPECT_EQ(PosixShmBackend::attach(name).code(), Errc::busy);
}

TEST(ShmAttach, ForeignUserIsPermissionDenied) {
  const std::string name = test::unique_name("perm");
  test::ShmNameGuard guard(name);
  if (getuid() == 0) {
    // Root ignores file modes, so ask a process running as 'nobody' to attach the 0600 region.
    ASSERT_TRUE(PosixShmBackend::create(name, 4096));
    auto child = test::run_helper({"attach-expect", name, "permission_denied"}, uid_t{65534});
    EXPECT_EQ(child.exit_code, 0) << child.out;
  } else {
    ShmOptions no_access;
    no_access.mode = 0;
    ASSERT_TRUE(PosixShmBackend::create(name, 4096, no_access));
    EXPECT_EQ(PosixShmBackend::attach(name).code(), Errc::permission_denied);
  }
}

TEST(ShmRemove, RemoveKeepsAttachedMappings) {
  const std::string name = test::unique_name("remove");
  test::ShmNameGuard guard(name);
  auto b = PosixShmBackend::create(name, 4096);
  ASSERT_TRUE(b);
  test::fill_pattern((*b)->data(), 4096, 5);
  EXPECT_TRUE(PosixShmBackend::remove(name));
  EXPECT_FALSE(test::shm_exists(name));
  EXPECT_EQ(test::find_pattern_mismatch((*b)->data(), 4096, 5), std::nullopt);
  EXPECT_EQ(PosixShmBackend::remove(name).code(), Errc::not_found);
}

TEST(ShmCreate, ReserveAllocatesEveryPage) {
  const std::string name = test::unique_name("reserve");
  test::ShmNameGuard guard(name);
  ShmOptions opts;
  opts.reserve = true;
  auto b = PosixShmBackend::create(name, 1 << 20, opts);
  ASSERT_TRUE(b);
  struct stat st {};
  ASSERT_EQ(stat(("/dev/shm/" + name).c_str(), &st), 0);
  EXPECT_GE(static_cast<std::size_t>(st.st_blocks) * 512, (*b)->region_size());
}

TEST(ArrayBackendErrors, BadBuffers) {
  alignas(4096) static char buf[16384];
  EXPECT_EQ(ArrayBackend::create(nullptr, 8192).code(), Errc::invalid_argument);
  EXPECT_EQ(ArrayBackend::create(buf + 1, 8192).code(), Errc::invalid_argument);
  EXPECT_EQ(ArrayBackend::create(buf, RegionHeader::kHeaderBytes).code(), Errc::invalid_argument);
  std::memset(buf, 0, sizeof buf);
  EXPECT_EQ(ArrayBackend::attach(buf, sizeof buf).code(), Errc::busy);  // never initialised
  std::memset(buf, 0xab, sizeof buf);
  EXPECT_EQ(ArrayBackend::attach(buf, sizeof buf).code(), Errc::corrupt);
  auto made = ArrayBackend::create(buf, sizeof buf);
  ASSERT_TRUE(made);
  auto attached = ArrayBackend::attach(buf, sizeof buf);
  ASSERT_TRUE(attached);
  EXPECT_EQ((*attached)->data_size(), sizeof buf - RegionHeader::kHeaderBytes);
  EXPECT_EQ(ArrayBackend::attach(buf, 8192).code(), Errc::truncated);  // header says 16 KiB
}

TEST(ArrayBackendErrors, ANewRegionOverAnOldHeapGetsANewHeap) {
  // The buffer still holds the first region's heap; creating a region there starts afresh (a heap
  // is only refused over a region that holds one: the old heap's header must not count).
  constexpr std::size_t kBytes = 4u << 20;
  std::unique_ptr<char, decltype(&std::free)> mem(static_cast<char *>(std::aligned_alloc(1 << 21, kBytes)), &std::free);
  for (int round = 0; round < 2; ++round) {
    auto b = ArrayBackend::create(mem.get(), kBytes);
    ASSERT_TRUE(b);
    auto a = ThreadLocalAllocator::create(**b, AllocatorId{0});
    ASSERT_TRUE(a) << round << ": " << a.error().what();
    EXPECT_EQ(ThreadLocalAllocator::create(**b, AllocatorId{0}).code(), Errc::already_exists);
  }
}

TEST(ArrayBackendErrors, AlignmentsAboveTheBasesAreRefused) {
  // An array backend's base need only be 64-byte aligned; the allocator aligns offsets, so an
  // alignment above the base's would give a misaligned address.
  constexpr std::size_t kBytes = 8u << 20;
  std::unique_ptr<char, decltype(&std::free)> mem(static_cast<char *>(std::aligned_alloc(4096, kBytes + 4096)), &std::free);
  auto b = ArrayBackend::create(mem.get() + 64, kBytes);
  ASSERT_TRUE(b);
  auto a = ThreadLocalAllocator::create(**b, AllocatorId{0});
  ASSERT_TRUE(a) << a.error().what();
  auto wide = (*a)->try_allocate({}, 100, 4096);
  EXPECT_EQ(wide.code(), Errc::invalid_argument);
  EXPECT_TRUE((*a)->aligned_allocate_offset({}, 100, 128).is_null());
  EXPECT_TRUE((*a)->ref().aligned_allocate_offset({}, 100, 128).is_null());  // the kernels' handle too
  auto fine = (*a)->try_allocate({}, 100, 64);
  ASSERT_TRUE(fine);
  EXPECT_TRUE(is_aligned(fine->ptr, 64));
  EXPECT_TRUE((*a)->free({}, *fine));
}
