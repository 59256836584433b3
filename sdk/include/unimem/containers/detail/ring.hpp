// The capacity rule the bounded queues share: a power of two (index = position & mask), at least 2,
// and small enough that its bytes fit a region.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "unimem/core/error.hpp"

namespace unimem::detail {

inline Result<std::uint64_t> ring_capacity(std::size_t requested, std::size_t element_bytes, std::string_view what) {
  constexpr std::uint64_t kMaxBytes = std::uint64_t{1} << 47;
  if (requested == 0 || requested > kMaxBytes / element_bytes) {
    return Error(Errc::invalid_argument,
                 std::string(what) + ": capacity " + std::to_string(requested) + " is zero or larger than a region");
  }
  std::uint64_t cap = 2;
  while (cap < requested) cap <<= 1;
  return cap;
}

}  // namespace unimem::detail
