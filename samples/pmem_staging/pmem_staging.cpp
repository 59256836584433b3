// pmem_staging: data kept in a PMEM pool (a file on /dev/shm here, a DAX file on real PMEM) brought
// to where it is computed on: page-locked buffers filled with non-temporal copies by two threads
// while the stream copies the previous buffer on to the GPU (or, without one, to host memory).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "unimem/pmem/memcpy_nt.hpp"
#include "unimem/pmem/persist.hpp"
#include "unimem/pmem/pmem_pool.hpp"
#include "unimem/pmem/stager.hpp"

using namespace unimem;

int main() {
  constexpr std::size_t kBytes = std::size_t{256} << 20;
  const std::string path = "/dev/shm/unimem-pmem-staging-" + std::to_string(getpid());
  auto pool = pmem::PmemPool::create(path, kBytes);
  if (!pool) return std::fprintf(stderr, "pool: %s\n", pool.error().what().c_str()), 1;
  auto *data = reinterpret_cast<std::uint32_t *>((*pool)->data());
  for (std::size_t i = 0; i < kBytes / 4; ++i) data[i] = static_cast<std::uint32_t>(i * 2654435761u);
  if (!pmem::persist(data, kBytes)) return 1;
  std::printf("pool %s: %zu MiB, %s granularity; memcpy_nt uses %s\n", path.c_str(), kBytes >> 20,
              pmem::granularity_name((*pool)->granularity()), pmem::copy_isa_name(pmem::copy_isa()));

  Stream stream;
  void *dst = nullptr;
  std::vector<char> host_dst;
#if UNIMEM_HAS_CUDA
  if (auto s = Stream::gpu<GpuVendor::cuda>()) {
    stream = *s;
    dst = stream.alloc_device(kBytes).value();
  }
#endif
  if (dst == nullptr) {
    stream = Stream::host().value();
    host_dst.resize(kBytes);
    dst = host_dst.data();
  }
  const char *where = stream.kind() == StreamKind::host ? "host memory (no GPU)" : "GPU memory";
  auto stager = pmem::Stager::create(stream, {.chunk_bytes = 8 << 20, .buffers = 2, .copy_threads = 2});
  if (!stager) return std::fprintf(stderr, "stager: %s\n", stager.error().what().c_str()), 1;
  for (int round = 0; round < 2; ++round) {  // the first round warms the buffers and copy threads
    const auto t0 = std::chrono::steady_clock::now();
    if (!stager->stage(dst, data, kBytes) || !stream.synchronize()) return 1;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (round == 1) std::printf("staged %zu MiB to %s in %.1f ms: %.2f GB/s, double-buffered in 8 MiB chunks\n",
                                kBytes >> 20, where, s * 1e3, static_cast<double>(kBytes) / s / 1e9);
  }
  std::vector<char> check(kBytes);  // read back through the stream: from the GPU, or by the host worker
  if (!stream.copy(check.data(), dst, kBytes) || !stream.synchronize()) return 1;
  if (host_dst.empty()) stream.free_device(dst);
  const bool same = std::memcmp(check.data(), data, kBytes) == 0;
  std::printf("contents %s\n", same ? "identical" : "DIFFER");
  (void)(*pool)->destroy();
  return same ? 0 : 1;
}
