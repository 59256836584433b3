// The staging pipeline without a GPU: PMEM pool -> host buffers -> host memory, on a host stream
// (copies overlap on its worker) and on the null stream, for sizes that are not multiples of the
// chunk, double and triple buffered, one and two copy threads.
#include "unimem/pmem/stager.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "support/test_support.hpp"
#include "unimem/pmem/pmem_pool.hpp"

using namespace unimem;
using namespace unimem::pmem;

namespace {

TEST(Stager, DataArrivesIntactForAnySizeBufferCountAndThreads) {
  const std::string path = "/dev/shm/" + test::unique_name("stage");
  auto pool = PmemPool::create(path, std::size_t{4} << 20);
  ::unlink(path.c_str());
  UNIMEM_ASSERT_OK(pool);
  char *src = (*pool)->data();
  for (std::size_t i = 0; i < (*pool)->data_size(); ++i) src[i] = static_cast<char>(i * 7 + i / 4096);
  auto host = Stream::host();
  UNIMEM_ASSERT_OK(host);
  for (const Stream &stream : {*host, Stream{}}) {
    for (unsigned buffers : {2u, 3u}) {
      for (unsigned threads : {1u, 2u}) {
        auto stager = Stager::create(stream, {.chunk_bytes = 64 << 10, .buffers = buffers, .copy_threads = threads});
        UNIMEM_ASSERT_OK(stager);
        for (std::size_t n : {std::size_t{1}, std::size_t{4095}, std::size_t{(64 << 10) - 1},
                              std::size_t{(64 << 10) + 1}, std::size_t{10 * (64 << 10) + 123},
                              std::size_t{3} << 20}) {
          std::vector<char> dst(n + 2, '#');
          UNIMEM_ASSERT_OK(stager->stage(dst.data() + 1, src + 3, n));
          UNIMEM_ASSERT_OK(stream.synchronize());
          ASSERT_EQ(std::memcmp(dst.data() + 1, src + 3, n), 0) << n << " bytes, " << buffers << " buffers";
          ASSERT_EQ(dst.front(), '#');
          ASSERT_EQ(dst.back(), '#');
        }
      }
    }
  }
}

TEST(Stager, BadOptionsAndArgumentsAreClearErrors) {
  EXPECT_EQ(Stager::create(Stream{}, {.chunk_bytes = 0}).code(), Errc::invalid_argument);
  EXPECT_EQ(Stager::create(Stream{}, {.buffers = 1}).code(), Errc::invalid_argument);
  EXPECT_EQ(Stager::create(Stream{}, {.buffers = 4}).code(), Errc::invalid_argument);
  auto s = Stager::create(Stream{}, {.chunk_bytes = 4096});
  UNIMEM_ASSERT_OK(s);
  EXPECT_EQ(s->options().chunk_bytes, 4096u);
  char buf[16] = {};
  EXPECT_EQ(s->stage(nullptr, buf, 16).code(), Errc::invalid_argument);
  EXPECT_EQ(s->stage(buf, nullptr, 16).code(), Errc::invalid_argument);
  UNIMEM_ASSERT_OK(s->stage(nullptr, nullptr, 0));
  EXPECT_EQ(Stager::create(Stream{}, {.chunk_bytes = SIZE_MAX}).code(), Errc::invalid_argument);  // wrapped to 0
  Stager taken = std::move(*s);
  char out[16] = {};
  EXPECT_EQ(s->stage(out, buf, 16).code(), Errc::invalid_argument);  // divided by 0 buffers before
  UNIMEM_ASSERT_OK(taken.stage(out, buf, 16));
}

TEST(Stream, CopyRunsInStreamOrder) {
  auto host = Stream::host();
  UNIMEM_ASSERT_OK(host);
  auto buf = host->alloc_host(4096);
  UNIMEM_ASSERT_OK(buf);
  std::vector<char> a(4096, 'a'), out(4096, 0);
  UNIMEM_ASSERT_OK(host->enqueue([&] {
    std::memset(*buf, 'b', 4096);
    return success();
  }));
  UNIMEM_ASSERT_OK(host->copy(out.data(), *buf, 4096));
  UNIMEM_ASSERT_OK(host->synchronize());
  EXPECT_EQ(out[4095], 'b');
  EXPECT_EQ(host->copy(nullptr, a.data(), 1).code(), Errc::invalid_argument);
  EXPECT_EQ(host->alloc_host(0).code(), Errc::invalid_argument);
  host->free_host(*buf);
}

}  // namespace
