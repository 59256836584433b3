#include "unimem/memory/region_header.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

#include "unimem/core/align.hpp"
#include "unimem/memory/backend/memory_backend.hpp"
#include "unimem/thread/atomic.hpp"

namespace unimem {

namespace {

std::uint64_t fnv1a(const void *p, std::size_t n) noexcept {
  auto *b = static_cast<const unsigned char *>(p);
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

// The checksum covers every field before it, with magic as it will be once published.
std::uint64_t header_checksum(const RegionHeader &h) noexcept {
  RegionHeader tmp;
  std::memcpy(&tmp, &h, sizeof tmp);
  tmp.magic = RegionHeader::kMagic;
  return fnv1a(&tmp, offsetof(RegionHeader, checksum));
}

}  // namespace

std::string_view backend_kind_name(BackendKind kind) noexcept {
  switch (kind) {
    case BackendKind::array: return "array";
    case BackendKind::malloc: return "malloc";
    case BackendKind::posix_mmap: return "posix_mmap";
    case BackendKind::posix_shm: return "posix_shm";
    case BackendKind::cuda_shm: return "cuda_shm";
    case BackendKind::rocm_shm: return "rocm_shm";
    case BackendKind::cuda_device: return "cuda_device";
    case BackendKind::hip_device: return "hip_device";
    case BackendKind::cuda_managed: return "cuda_managed";
    case BackendKind::hip_managed: return "hip_managed";
    case BackendKind::pmem: return "pmem";
  }
  return "unknown";
}

void make_region_header(RegionHeader &h, BackendKind kind, std::uint64_t region_bytes,
                        std::string_view name) noexcept {
  std::memset(&h, 0, sizeof h);
  h.magic = RegionHeader::kMagic;
  h.version = RegionHeader::kVersion;
  h.header_bytes = RegionHeader::kHeaderBytes;
  h.region_bytes = region_bytes;
  h.kind = static_cast<std::uint32_t>(kind);
  h.creator_pid = static_cast<std::uint32_t>(getpid());
  h.creator_uid = static_cast<std::uint32_t>(getuid());
  h.created_unix_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  if (!name.empty()) std::memcpy(h.name, name.data(), std::min(name.size(), RegionHeader::kMaxName));
  h.checksum = header_checksum(h);
}

void write_region_header(void *at, BackendKind kind, std::uint64_t region_bytes, std::string_view name) noexcept {
  std::memset(at, 0, RegionHeader::kHeaderBytes);
  RegionHeader h;
  make_region_header(h, kind, region_bytes, name);
  const std::uint64_t magic = h.magic;
  h.magic = 0;
  std::memcpy(at, &h, sizeof h);
  reinterpret_cast<Atomic<std::uint64_t> *>(at)->store(magic, std::memory_order_release);
}

void MemoryBackend::init_created(char *p, std::uint64_t region_bytes, BackendKind kind, std::string_view name,
                                 char *device) noexcept {
  // The data's first line starts zeroed, as in a fresh mapping: what a recycled buffer held there
  // (an old heap's header) must not pass for a heap in the new region.
  std::memset(p + RegionHeader::kHeaderBytes, 0, std::min<std::uint64_t>(64, region_bytes - RegionHeader::kHeaderBytes));
  write_region_header(p, kind, region_bytes, name);
  header_ = *reinterpret_cast<const RegionHeader *>(p);
  view_ = RegionView{p, device, region_bytes};
  name_ = std::string(name);
  created_ = true;
}

Result<void> validate_region_header(const RegionHeader &h, std::uint64_t available_bytes, std::string_view what) {
  const std::string w(what);
  if (available_bytes < sizeof(RegionHeader)) {
    return Error(Errc::truncated, w + " has " + std::to_string(available_bytes) + " bytes, less than a region header (" +
                                      std::to_string(sizeof(RegionHeader)) + ")");
  }
  const std::uint64_t magic =
      reinterpret_cast<const Atomic<std::uint64_t> *>(&h.magic)->load(std::memory_order_acquire);
  if (magic == 0) {
    return Error(Errc::busy, w + " is not initialised: its creator has not finished (or died) creating it");
  }
  if (magic != RegionHeader::kMagic) return Error(Errc::corrupt, w + " is not a unimem region (bad magic)");
  if (h.version != RegionHeader::kVersion) {
    return Error(Errc::version_mismatch, w + " has layout version " + std::to_string(h.version) +
                                             ", this build reads version " + std::to_string(RegionHeader::kVersion));
  }
  if (h.checksum != header_checksum(h)) return Error(Errc::corrupt, w + " has a damaged header (checksum mismatch)");
  if (h.header_bytes != RegionHeader::kHeaderBytes || h.region_bytes < h.header_bytes ||
      h.region_bytes > RegionHeader::kMaxRegionBytes) {
    return Error(Errc::corrupt, w + " has an impossible size in its header");
  }
  if (h.region_bytes > available_bytes) {
    return Error(Errc::truncated, w + " is truncated: header says " + std::to_string(h.region_bytes) +
                                      " bytes, only " + std::to_string(available_bytes) + " exist");
  }
  return success();
}

Result<std::uint64_t> region_bytes_for(std::uint64_t data_bytes, std::uint64_t granularity) {
  if (data_bytes == 0) return Error(Errc::invalid_argument, "region data size must be > 0 (got 0)");
  std::uint64_t total = 0;
  if (data_bytes > RegionHeader::kMaxRegionBytes ||
      !checked_align_up(data_bytes + RegionHeader::kHeaderBytes, granularity, total) ||
      total > RegionHeader::kMaxRegionBytes) {
    return Error(Errc::invalid_argument, "region data size " + std::to_string(data_bytes) + " exceeds the limit of " +
                                             std::to_string(RegionHeader::kMaxRegionBytes) + " bytes");
  }
  return total;
}

}  // namespace unimem
