// The GPU backends, written once over GpuRuntime<V> and instantiated for the vendor this translation
// unit is built for (UNIMEM_VENDOR = cuda in unimem::cuda, hip in unimem::hip).
#include "unimem/memory/backend/gpu_device_backend.hpp"
#include "unimem/memory/backend/gpu_managed_backend.hpp"
#include "unimem/memory/backend/gpu_shm_backend.hpp"

#include <utility>

namespace unimem {

namespace {
constexpr GpuVendor kVendor = GpuVendor::UNIMEM_VENDOR;
using Rt = detail::GpuRuntime<kVendor>;
constexpr BackendKind kShmKind = kVendor == GpuVendor::cuda ? BackendKind::cuda_shm : BackendKind::rocm_shm;
constexpr BackendKind kDeviceKind = kVendor == GpuVendor::cuda ? BackendKind::cuda_device : BackendKind::hip_device;
constexpr BackendKind kManagedKind = kVendor == GpuVendor::cuda ? BackendKind::cuda_managed : BackendKind::hip_managed;
}  // namespace

// ---- GpuShmBackend ----

template <GpuVendor V>
Result<void> GpuShmBackend<V>::register_mapping() {
  if (auto ok = Rt::host_register(view_.host_base, view_.region_bytes); !ok) return ok;
  auto d = Rt::host_device_pointer(view_.host_base);
  if (!d) {
    (void)Rt::host_unregister(view_.host_base);
    return d.error();
  }
  view_.device_base = static_cast<char *>(*d);
  return success();
}

template <GpuVendor V>
void GpuShmBackend<V>::unregister_mapping() noexcept {
  if (view_.device_base) (void)Rt::host_unregister(view_.host_base);
  view_.device_base = nullptr;
}

template <GpuVendor V>
Result<std::unique_ptr<GpuShmBackend<V>>> GpuShmBackend<V>::create(std::string_view name, std::size_t data_bytes,
                                                                   ShmOptions options) {
  // Check for a device before creating the name, so a machine without one is left untouched.
  if (auto n = Rt::device_count(); !n) return n.error();
  std::unique_ptr<GpuShmBackend> b(new GpuShmBackend);
  if (auto ok = b->create_region(name, data_bytes, options, kShmKind); !ok) return ok.error();
  if (auto ok = b->register_mapping(); !ok) {
    (void)b->PosixShmBackend::destroy();
    return ok.error();
  }
  return b;
}

template <GpuVendor V>
Result<std::unique_ptr<GpuShmBackend<V>>> GpuShmBackend<V>::attach(std::string_view name) {
  if (auto n = Rt::device_count(); !n) return n.error();
  std::unique_ptr<GpuShmBackend> b(new GpuShmBackend);
  if (auto ok = b->attach_region(name); !ok) return ok.error();
  if (auto ok = b->register_mapping(); !ok) return ok.error();  // the destructor unmaps
  return b;
}

template <GpuVendor V>
Result<void> GpuShmBackend<V>::destroy() {
  unregister_mapping();
  return PosixShmBackend::destroy();
}

template <GpuVendor V>
GpuShmBackend<V>::~GpuShmBackend() {
  unregister_mapping();
}

// ---- GpuDeviceBackend ----

template <GpuVendor V>
Result<std::unique_ptr<GpuDeviceBackend<V>>> GpuDeviceBackend<V>::create(std::size_t data_bytes) {
  auto total = region_bytes_for(data_bytes, RegionHeader::kHeaderBytes);
  if (!total) return total.error();
  auto d = Rt::malloc_device(*total);
  if (!d) return d.error();
  std::unique_ptr<GpuDeviceBackend> b(new GpuDeviceBackend);
  b->view_ = RegionView{nullptr, static_cast<char *>(*d), *total};
  b->created_ = true;
  make_region_header(b->header_, kDeviceKind, *total, {});
  if (auto ok = Rt::memcpy(*d, &b->header_, sizeof b->header_); !ok) return ok.error();  // the destructor frees
  return b;
}

template <GpuVendor V>
Result<std::unique_ptr<GpuDeviceBackend<V>>> GpuDeviceBackend<V>::open(const GpuIpcHandle &handle) {
  auto d = Rt::ipc_open(handle);
  if (!d) return d.error();
  std::unique_ptr<GpuDeviceBackend> b(new GpuDeviceBackend);
  b->view_ = RegionView{nullptr, static_cast<char *>(*d), 0};
  if (auto ok = Rt::memcpy(&b->header_, *d, sizeof b->header_); !ok) return ok.error();
  // The IPC mapping covers the whole allocation, so the header's own size is the bound we can check.
  if (auto ok = validate_region_header(b->header_, b->header_.region_bytes, "device region"); !ok) return ok.error();
  if (b->header_.backend_kind() != kDeviceKind) return Error(Errc::invalid_argument, "IPC handle is not a device region");
  b->view_.region_bytes = b->header_.region_bytes;
  return b;
}

template <GpuVendor V>
Result<GpuIpcHandle> GpuDeviceBackend<V>::ipc_handle() const {
  if (!view_.device_base) return Error(Errc::invalid_argument, "device region was destroyed");
  return Rt::ipc_handle(view_.device_base);
}

template <GpuVendor V>
Result<void> GpuDeviceBackend<V>::destroy() {
  char *d = std::exchange(view_.device_base, nullptr);
  view_ = {};
  if (!d) return success();
  return created_ ? Rt::free(d) : Rt::ipc_close(d);
}

template <GpuVendor V>
GpuDeviceBackend<V>::~GpuDeviceBackend() {
  (void)destroy();
}

// ---- GpuManagedBackend ----

template <GpuVendor V>
Result<std::unique_ptr<GpuManagedBackend<V>>> GpuManagedBackend<V>::create(std::size_t data_bytes) {
  auto total = region_bytes_for(data_bytes, RegionHeader::kHeaderBytes);
  if (!total) return total.error();
  auto m = Rt::malloc_managed(*total);
  if (!m) return m.error();
  std::unique_ptr<GpuManagedBackend> b(new GpuManagedBackend);
  auto *p = static_cast<char *>(*m);
  b->init_created(p, *total, kManagedKind, {}, p);
  return b;
}

template <GpuVendor V>
Result<void> GpuManagedBackend<V>::destroy() {
  char *p = std::exchange(view_.host_base, nullptr);
  view_ = {};
  return p ? Rt::free(p) : success();
}

template <GpuVendor V>
GpuManagedBackend<V>::~GpuManagedBackend() {
  (void)destroy();
}

template class GpuShmBackend<kVendor>;
template class GpuDeviceBackend<kVendor>;
template class GpuManagedBackend<kVendor>;

}  // namespace unimem
