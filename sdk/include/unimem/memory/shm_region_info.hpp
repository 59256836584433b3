// ShmRegionInfo: what can be learned about a unimem shared memory region without attaching to it:
// its header (validated), its creator's liveness, and which processes map it now. Used by
// `unimem shm list | inspect | check | remove`.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "unimem/core/error.hpp"
#include "unimem/memory/region_header.hpp"

namespace unimem {

struct ShmRegionInfo {
  std::string name;                 ///< with its leading '/'
  std::uint64_t file_bytes = 0;     ///< the size of the shm object
  RegionHeader header{};            ///< as read; meaningful when `problem` is empty or version_mismatch
  std::optional<Error> problem;     ///< why the header does not validate, if it does not
  bool creator_alive = false;
  std::vector<pid_t> mapped_by;     ///< processes that map it now (from /proc/*/maps)
  /// Processes whose maps this process may not read (another user's, or non-dumpable ones) but
  /// which could have opened the region (its owner's, or anyone's if group or others may read it):
  /// they may map it too. Not seen by either list: holders of a descriptor alone, processes in
  /// other pid namespaces, and root processes that map an owner-only region unreadably.
  std::vector<pid_t> unknown_mappers;
};

/// @brief Every shm object on this machine whose header carries unimem's magic, damaged ones included.
Result<std::vector<ShmRegionInfo>> list_shm_regions();
/// @brief The info of one region; not_found if absent, corrupt if it is not a unimem region.
Result<ShmRegionInfo> inspect_shm_region(std::string_view name);

}  // namespace unimem
