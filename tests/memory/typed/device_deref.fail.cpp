// Must not compile: host code dereferencing device memory (the space is in the type).
// UNIMEM_FAIL_CASE selects the misuse; without it the file is the control that must compile.
#include "unimem/memory/array.hpp"
#include "unimem/memory/memory.hpp"
#include "unimem/memory/memory_ref.hpp"

using namespace unimem;

int main() {
  static int storage[4];
#if UNIMEM_FAIL_CASE == 1
  auto m = Memory<int, kind::plain, space::device>::wrap(storage, 4).value();
  return m[0];
#elif UNIMEM_FAIL_CASE == 2
  auto m = Memory<int, kind::plain, space::device>::wrap(storage, 4).value();
  return MemoryRef<int, kind::plain, space::device>(m).get();
#elif UNIMEM_FAIL_CASE == 3
  ArrayView<int, 1, kind::plain, space::device> v{storage, {4}};
  return v(0);
#elif UNIMEM_FAIL_CASE == 4
  auto m = Memory<int, kind::atomic>::wrap(storage, 4).value();
  m.store(0, 1);  // atomic stores must name their memory order
  return 0;
#elif UNIMEM_FAIL_CASE == 5
  auto m = Memory<int, kind::atomic>::wrap(storage, 4).value();
  return m[0];  // atomic memory has no plain access
#else
  auto host = Memory<int>::wrap(storage, 4).value();
  auto dev = Memory<int, kind::plain, space::device>::wrap(storage, 4).value();
  host[0] = static_cast<int>(dev.size());  // sizes and addresses of device memory are fine
  return host[0] == 4 ? 0 : 1;
#endif
}
