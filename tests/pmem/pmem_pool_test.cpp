// PmemPool and persistence: a pool survives its writer's SIGKILL with its allocator and containers;
// bad paths and foreign files are clear errors that leave the files as they were; persist and
// memcpy_persist on pools and plain memory.
#include "unimem/pmem/pmem_pool.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "support/shared_containers.hpp"
#include "support/test_support.hpp"
#include "unimem/core/cpu_features.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/pmem/persist.hpp"

using namespace unimem;
using namespace unimem::pmem;

namespace {

// A path under /dev/shm that is removed when the test ends.
struct TempPath {
  std::string path = "/dev/shm/" + test::unique_name("pool");
  ~TempPath() { ::unlink(path.c_str()); }
};

bool exists(const std::string &p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

TEST(PmemPool, CreateMapsAnAlignedRegionWithAValidHeader) {
  TempPath t;
  auto pool = PmemPool::create(t.path, std::size_t{8} << 20);
  UNIMEM_ASSERT_OK(pool);
  auto &p = **pool;
  EXPECT_EQ(p.kind(), BackendKind::pmem);
  EXPECT_EQ(p.path(), t.path);
  EXPECT_GE(p.data_size(), std::size_t{8} << 20);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p.base()) % RegionHeader::kBaseAlignment, 0u);
  EXPECT_EQ(p.granularity(), Granularity::page) << "a file on tmpfs is not DAX";
  std::memset(p.data(), 0x5a, p.data_size());
  UNIMEM_ASSERT_OK(p.persist(p.data(), p.data_size()));
  UNIMEM_ASSERT_OK(persist(p.data() + 100, 1000));
}

TEST(PmemPool, WriterKilledBySigkillLeavesContainersAReopenFinds) {
  TempPath t;
  constexpr std::uint32_t kAlloc = 21;
  auto child = test::run_helper({"pmem-write-die", t.path, std::to_string(kAlloc)});
  ASSERT_EQ(child.out, "OK\n");
  ASSERT_EQ(child.exit_code, 128 + SIGKILL);
  auto pool = PmemPool::open(t.path);
  UNIMEM_ASSERT_OK(pool);
  auto alloc = ThreadLocalAllocator::attach(**pool, AllocatorId{kAlloc});
  UNIMEM_ASSERT_OK(alloc);
  EXPECT_EQ(test::check_parent_extend_as_child(**alloc), "");
  UNIMEM_ASSERT_OK((*pool)->persist((*pool)->base(), (*pool)->size()));
  // And once more, after this process changed it: the extension is there on the next open.
  alloc->reset();
  pool->reset();
  auto again = PmemPool::open(t.path);
  UNIMEM_ASSERT_OK(again);
  auto alloc2 = ThreadLocalAllocator::attach(**again, AllocatorId{kAlloc});
  UNIMEM_ASSERT_OK(alloc2);
  EXPECT_EQ(test::check_child_extension(**alloc2), "");
}

TEST(PmemPool, BadPathsAreClearErrorsAndCreateNothing) {
  TempPath t;
  EXPECT_EQ(PmemPool::create("", 4096).code(), Errc::invalid_argument);
  EXPECT_EQ(PmemPool::open("").code(), Errc::invalid_argument);
  EXPECT_EQ(PmemPool::open(t.path).code(), Errc::not_found);
  EXPECT_EQ(PmemPool::create("/dev/shm/no-such-dir-unimem/pool", 4096).code(), Errc::not_found);
  EXPECT_EQ(PmemPool::open("/dev/shm").code(), Errc::invalid_argument);
  EXPECT_EQ(PmemPool::create(t.path, std::size_t{1} << 62).code(), Errc::invalid_argument);
  EXPECT_FALSE(exists(t.path));
  // Larger than the filesystem: out_of_memory, and the file is gone again.
  EXPECT_EQ(PmemPool::create(t.path, std::size_t{1} << 46).code(), Errc::out_of_memory);
  EXPECT_FALSE(exists(t.path));
}

TEST(PmemPool, AnExistingFileIsNeitherReusedNorChanged) {
  TempPath t;
  { std::ofstream(t.path) << "precious data"; }
  EXPECT_EQ(PmemPool::create(t.path, 4096).code(), Errc::already_exists);
  auto opened = PmemPool::open(t.path);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.code(), Errc::truncated) << opened.error().what();
  std::string content;
  std::getline(std::ifstream(t.path), content);
  EXPECT_EQ(content, "precious data");
}

TEST(PmemPool, CorruptHeaderOrForeignKindIsRefused) {
  TempPath t;
  {
    auto pool = PmemPool::create(t.path, 1 << 20);
    UNIMEM_ASSERT_OK(pool);
  }
  {
    const int fd = ::open(t.path.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    const char junk[] = "garbage";
    ASSERT_EQ(::pwrite(fd, junk, sizeof junk, 40), static_cast<ssize_t>(sizeof junk));
    ::close(fd);
  }
  EXPECT_EQ(PmemPool::open(t.path).code(), Errc::corrupt);
  // A valid header of another backend kind.
  RegionHeader h;
  make_region_header(h, BackendKind::posix_shm, 1 << 20, "x");
  {
    const int fd = ::open(t.path.c_str(), O_RDWR);
    ASSERT_EQ(::pwrite(fd, &h, sizeof h, 0), static_cast<ssize_t>(sizeof h));
    ::close(fd);
  }
  auto r = PmemPool::open(t.path);
  EXPECT_EQ(r.code(), Errc::invalid_argument);
  EXPECT_NE(r.error().message().find("posix_shm"), std::string::npos);
}

TEST(PmemPool, PersistOutsideThePoolIsRefused) {
  TempPath t;
  auto pool = PmemPool::create(t.path, 1 << 20);
  UNIMEM_ASSERT_OK(pool);
  auto &p = **pool;
  EXPECT_EQ(p.persist(p.base() - 1, 2).code(), Errc::invalid_argument);
  EXPECT_EQ(p.persist(p.base() + p.size() - 10, 11).code(), Errc::invalid_argument);
  EXPECT_EQ(p.persist(p.base(), SIZE_MAX).code(), Errc::invalid_argument);
  UNIMEM_ASSERT_OK(p.persist(p.base() + p.size() - 10, 10));
  EXPECT_EQ(persist(nullptr, 64).code(), Errc::invalid_argument);  // flushed address 0 before
  EXPECT_EQ(memcpy_persist(nullptr, p.base(), 64).code(), Errc::invalid_argument);
  EXPECT_EQ(memcpy_persist(p.base(), nullptr, 64).code(), Errc::invalid_argument);
}

TEST(PmemPool, DestroyRemovesTheFile) {
  TempPath t;
  auto pool = PmemPool::create(t.path, 1 << 20);
  UNIMEM_ASSERT_OK(pool);
  UNIMEM_ASSERT_OK((*pool)->destroy());
  EXPECT_FALSE(exists(t.path));
  EXPECT_EQ((*pool)->size(), 0u);
  EXPECT_EQ((*pool)->data_size(), 0u);  // wrapped to ~2^64 before
  UNIMEM_ASSERT_OK((*pool)->destroy());
}

TEST(Persist, FlushInstructionFollowsCpuid) {
  const auto &f = cpu_features();
  const FlushInstruction want = f.clwb ? FlushInstruction::clwb
                                : f.clflushopt ? FlushInstruction::clflushopt
                                               : FlushInstruction::clflush;
  EXPECT_EQ(flush_instruction(), want) << flush_instruction_name(flush_instruction());
  std::vector<char> plain(10000, 'x');
  flush(plain.data() + 3, plain.size() - 3);
  drain();
  UNIMEM_ASSERT_OK(persist(plain.data(), plain.size()));
  EXPECT_EQ(plain[5000], 'x');
}

TEST(Persist, MemcpyPersistIntoAPool) {
  TempPath t;
  auto pool = PmemPool::create(t.path, std::size_t{40} << 20);
  UNIMEM_ASSERT_OK(pool);
  std::vector<unsigned char> src(std::size_t{33} << 20);
  for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<unsigned char>(i * 13 + 1);
  for (std::size_t n : {std::size_t{100}, std::size_t{70000}, src.size()}) {
    UNIMEM_ASSERT_OK(memcpy_persist((*pool)->data() + 5, src.data(), n));
    ASSERT_EQ(std::memcmp((*pool)->data() + 5, src.data(), n), 0) << n;
  }
  std::vector<unsigned char> plain(src.size() + 64);
  UNIMEM_ASSERT_OK(memcpy_persist(plain.data() + 3, src.data(), src.size()));
  EXPECT_EQ(std::memcmp(plain.data() + 3, src.data(), src.size()), 0);
}

}  // namespace
