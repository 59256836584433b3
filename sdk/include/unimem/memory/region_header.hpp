// RegionHeader: the first page of every region unimem creates, in any backend. It identifies the
// region, its layout version and creator, and carries a checksum so that attaching to a foreign,
// truncated or damaged region is a clear error instead of a crash.
//
// Layout (kHeaderBytes = 4096, so data() is page aligned):
//   [0, sizeof(RegionHeader))  the fields below; immutable after creation, covered by `checksum`
//   [.., 4096)                 reserved, zero
// Publication: the creator writes every field, then stores `magic` last with release order;
// an attacher loads `magic` with acquire, so a region is never seen half-initialised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "unimem/core/error.hpp"

namespace unimem {

enum class BackendKind : std::uint32_t {
  array = 1,
  malloc = 2,
  posix_mmap = 3,
  posix_shm = 4,
  cuda_shm = 5,
  rocm_shm = 6,
  cuda_device = 7,
  hip_device = 8,
  cuda_managed = 9,
  hip_managed = 10,
  pmem = 11,
};

std::string_view backend_kind_name(BackendKind kind) noexcept;

struct RegionHeader {
  static constexpr std::uint64_t kMagic = 0x314d454d494e55ull;  // "UNIMEM1" little endian
  static constexpr std::uint32_t kVersion = 1;
  static constexpr std::size_t kHeaderBytes = 4096;
  static constexpr std::size_t kMaxName = 255;
  /// Backends map regions at addresses aligned to this (except ArrayBackend, which uses the
  /// caller's memory), so offsets aligned up to it are aligned addresses in every process.
  static constexpr std::size_t kBaseAlignment = std::size_t{2} << 20;
  /// Regions are limited to 2^47 bytes, the x86-64 / AArch64 user address space.
  static constexpr std::uint64_t kMaxRegionBytes = std::uint64_t{1} << 47;

  std::uint64_t magic;
  std::uint32_t version;
  std::uint32_t header_bytes;
  std::uint64_t region_bytes;  ///< header + data, as created
  std::uint32_t kind;          ///< BackendKind
  std::uint32_t creator_pid;
  std::uint32_t creator_uid;
  std::uint32_t reserved;
  std::uint64_t created_unix_ns;
  char name[kMaxName + 1];  ///< NUL-terminated; empty for anonymous regions
  std::uint64_t checksum;   ///< FNV-1a of every byte above

  std::size_t data_bytes() const noexcept { return region_bytes - header_bytes; }
  BackendKind backend_kind() const noexcept { return static_cast<BackendKind>(kind); }
};
static_assert(sizeof(RegionHeader) <= RegionHeader::kHeaderBytes);

/// @brief Writes a new header at @p at (kHeaderBytes, zeroed first) and publishes it.
void write_region_header(void *at, BackendKind kind, std::uint64_t region_bytes, std::string_view name) noexcept;

/// @brief Fills @p out without publishing (for regions written by copy, e.g. device memory).
void make_region_header(RegionHeader &out, BackendKind kind, std::uint64_t region_bytes,
                        std::string_view name) noexcept;

/// @brief Checks a header read from a region of @p available_bytes (what is mapped / what the file has).
/// @return not_found-free errors: corrupt (bad magic or checksum), version_mismatch, truncated,
///         busy (magic not yet published: the creator is still initialising, or died doing so).
Result<void> validate_region_header(const RegionHeader &h, std::uint64_t available_bytes, std::string_view what);

/// @brief Total region bytes for @p data_bytes of payload, rounded to @p granularity; error if absurd.
Result<std::uint64_t> region_bytes_for(std::uint64_t data_bytes, std::uint64_t granularity);

}  // namespace unimem
