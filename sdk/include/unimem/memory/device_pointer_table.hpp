// DevicePointerTable<V>: a copy of a MemoryManager's allocator table in device memory, holding the
// device-side base of every registered allocator, so kernels resolve ShmPtrs with table().resolve.
// It is a snapshot: re-upload after registering or removing allocators. Uploading is explicit; the
// manager never launches or copies anything on the GPU by itself.
#pragma once

#include <memory>

#include "unimem/core/error.hpp"
#include "unimem/memory/detail/gpu_runtime.hpp"
#include "unimem/memory/memory_manager.hpp"
#include "unimem/memory/pointer_table.hpp"

namespace unimem {

template <GpuVendor V>
class DevicePointerTable {
 public:
  static Result<DevicePointerTable> upload(const MemoryManager &manager);

  DevicePointerTable(DevicePointerTable &&other) noexcept : table_(other.table_) { other.table_ = {}; }
  DevicePointerTable &operator=(DevicePointerTable &&other) noexcept {
    std::swap(table_, other.table_);
    return *this;
  }
  ~DevicePointerTable();

  /// @brief The view to pass to kernels by value.
  PointerTable table() const noexcept { return table_; }

 private:
  explicit DevicePointerTable(PointerTable t) : table_(t) {}
  PointerTable table_;
};

using CudaPointerTable = DevicePointerTable<GpuVendor::cuda>;
using HipPointerTable = DevicePointerTable<GpuVendor::hip>;

}  // namespace unimem
