#include "unimem/cache/data_id.hpp"

#include <bit>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace unimem::cache {

// Two 64-bit lanes over 8-byte words, each a multiply-xorshift chain with its own constants and a
// final avalanche (mix64); the length is mixed in, so zero padding of the tail cannot collide.
DataId DataId::from_bytes(std::span<const std::byte> bytes) noexcept {
  std::uint64_t a = 0x243f6a8885a308d3ull ^ bytes.size();
  std::uint64_t b = 0x13198a2e03707344ull + (bytes.size() << 1);
  std::size_t i = 0;
  auto absorb = [&](std::uint64_t w) {
    a = std::rotl((a ^ w) * 0x9e3779b97f4a7c15ull, 31) * 0xbf58476d1ce4e5b9ull;
    b = std::rotl((b + w) * 0xc2b2ae3d27d4eb4full, 27) ^ (b >> 29);
  };
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    absorb(w);
  }
  if (i < bytes.size()) {
    std::uint64_t w = 0;
    std::memcpy(&w, bytes.data() + i, bytes.size() - i);
    absorb(w);
  }
  return DataId(mix64(b), mix64(a));
}

std::string DataId::to_string() const {
  char text[48];
  std::snprintf(text, sizeof text, "0x%" PRIx64 ":%" PRIx64, hi_, lo_);
  return text;
}

}  // namespace unimem::cache
