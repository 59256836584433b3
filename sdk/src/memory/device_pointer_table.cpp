// DevicePointerTable for the vendor this translation unit is built for (UNIMEM_VENDOR).
#include "unimem/memory/device_pointer_table.hpp"

namespace unimem {

namespace {
constexpr GpuVendor kVendor = GpuVendor::UNIMEM_VENDOR;
using Rt = detail::GpuRuntime<kVendor>;
}  // namespace

template <GpuVendor V>
Result<DevicePointerTable<V>> DevicePointerTable<V>::upload(const MemoryManager &manager) {
  const auto bases = manager.device_bases();
  const std::size_t bytes = bases.size() * sizeof(std::uint64_t);
  auto d = Rt::malloc_device(bytes);
  if (!d) return d.error();
  if (auto ok = Rt::memcpy(*d, bases.data(), bytes); !ok) {
    (void)Rt::free(*d);
    return ok.error();
  }
  return DevicePointerTable(PointerTable{static_cast<const std::uint64_t *>(*d), static_cast<std::uint32_t>(bases.size())});
}

template <GpuVendor V>
DevicePointerTable<V>::~DevicePointerTable() {
  if (table_.bases) (void)Rt::free(const_cast<std::uint64_t *>(table_.bases));
}

template class DevicePointerTable<kVendor>;

}  // namespace unimem
