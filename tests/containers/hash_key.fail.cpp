// Must not compile: unimem::hash hashing the bytes of a key whose equal values may differ in bytes
// (padding, or float members where 0.0 == -0.0). Without UNIMEM_FAIL_CASE it is the control.
#include <cstdint>

#include "unimem/containers/hash.hpp"

struct Packed {
  std::uint32_t a, b;
  bool operator==(const Packed &) const = default;
};
struct Padded {
  std::uint8_t a;
  std::uint64_t b;
  bool operator==(const Padded &) const = default;
};
struct WithFloat {
  float x, y;
  bool operator==(const WithFloat &) const = default;
};

int main() {
#if UNIMEM_FAIL_CASE == 1
  return static_cast<int>(unimem::hash<Padded>{}(Padded{1, 2}) & 1);
#elif UNIMEM_FAIL_CASE == 2
  return static_cast<int>(unimem::hash<WithFloat>{}(WithFloat{0.0f, 1.0f}) & 1);
#else
  return static_cast<int>(unimem::hash<Packed>{}(Packed{1, 2}) & 1);
#endif
}
