// DataId: the name an application gives a piece of data, as in GPI-Space's `dataid`. It is a 128-bit
// value: a 64-bit id, a pair of 64-bit words (e.g. a snapshot number and a chunk index), or the
// digest of arbitrary bytes. The application is responsible for giving different data different
// ids; the cache trusts them (seed 001: "it is the application's responsibility").
//
// Byte ids are digested to 128 bits by two independent 64-bit hashes. Two different byte strings
// collide with probability about n^2 / 2^129 for n distinct ids (below 10^-20 for a billion ids);
// applications that cannot accept even that should build ids from their own unique numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "unimem/containers/hash.hpp"

namespace unimem::cache {

class DataId {
 public:
  constexpr DataId() noexcept = default;
  /// @brief The id @p value (high word 0).
  constexpr explicit DataId(std::uint64_t value) noexcept : lo_(value) {}
  /// @brief An id of two words, e.g. {snapshot, chunk}.
  constexpr DataId(std::uint64_t hi, std::uint64_t lo) noexcept : hi_(hi), lo_(lo) {}

  /// @brief The 128-bit digest of @p bytes (see the header for the collision bound).
  static DataId from_bytes(std::span<const std::byte> bytes) noexcept;
  static DataId from_bytes(std::string_view text) noexcept {
    return from_bytes(std::as_bytes(std::span(text.data(), text.size())));
  }

  constexpr std::uint64_t hi() const noexcept { return hi_; }
  constexpr std::uint64_t lo() const noexcept { return lo_; }
  /// @brief A well-mixed 64-bit hash, for tables keyed by id.
  constexpr std::uint64_t hash() const noexcept { return mix64(lo_ ^ mix64(hi_ + 0x9e3779b97f4a7c15ull)); }
  /// @brief "0x<hi>:<lo>" in hex, for messages.
  std::string to_string() const;

  friend constexpr bool operator==(const DataId &, const DataId &) noexcept = default;
  friend constexpr auto operator<=>(const DataId &, const DataId &) noexcept = default;

 private:
  std::uint64_t hi_ = 0;
  std::uint64_t lo_ = 0;
};

}  // namespace unimem::cache

template <>
struct std::hash<unimem::cache::DataId> {
  std::size_t operator()(const unimem::cache::DataId &id) const noexcept { return id.hash(); }
};
