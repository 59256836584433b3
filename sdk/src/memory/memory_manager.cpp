#include "unimem/memory/memory_manager.hpp"

#include <cstdio>
#include <string>

#include "unimem/thread/detail/atomic_ops.hpp"

namespace unimem {

namespace {
std::string id_str(std::uint32_t v) { return std::to_string(v); }
}  // namespace

MemoryManager::MemoryManager(Limits limits)
    : limits_(limits),
      backends_(limits.max_backends),
      allocators_(limits.max_allocators),
      host_bases_(new std::uint64_t[limits.max_allocators]) {
  for (std::uint32_t a = 0; a < limits.max_allocators; ++a) host_bases_[a] = PointerTable::kNoBase;
}

MemoryManager::~MemoryManager() {
  allocators_.clear();  // handles may touch their regions, so they go before the backends
  backends_.clear();
}

MemoryManager &MemoryManager::global() {
  static MemoryManager instance;
  return instance;
}

void MemoryManager::set_base(AllocatorId id, std::uint64_t base) noexcept {
  detail::atomic_store<thread_scope::system>(host_bases_.get() + id.value, base, std::memory_order_release);
}

namespace {
// Shared by both id kinds: within the table, and neither registered nor reserved; reserves it.
template <class Reservation, class Slot>
Result<Reservation> reserve_id(std::uint32_t id, std::vector<Slot> &slots, const char *kind, std::mutex &mu) {
  if (id >= slots.size()) {
    return Error(Errc::capacity_exceeded, std::string(kind) + " id " + id_str(id) + " is outside this manager's table (max " +
                                              id_str(static_cast<std::uint32_t>(slots.size())) + " " + kind + "s)");
  }
  std::lock_guard lock(mu);
  if (slots[id].taken()) return Error(Errc::already_exists, std::string(kind) + " id " + id_str(id) + " is already registered");
  slots[id].reserved = true;
  return Reservation(mu, slots[id].reserved);
}
}  // namespace

Result<MemoryManager::Reservation> MemoryManager::reserve(BackendId id) {
  return reserve_id<Reservation>(id.value, backends_, "backend", mu_);
}
Result<MemoryManager::Reservation> MemoryManager::reserve(AllocatorId id) {
  return reserve_id<Reservation>(id.value, allocators_, "allocator", mu_);
}

void MemoryManager::install_backend(Reservation &reserved, BackendId id, std::unique_ptr<MemoryBackend> backend) {
  std::lock_guard lock(mu_);
  backends_[id.value] = BackendSlot{std::move(backend)};  // not reserved any more
  reserved.kept();
}

Result<MemoryBackend *> MemoryManager::register_backend(BackendId id, std::unique_ptr<MemoryBackend> backend) {
  if (!backend) return Error(Errc::invalid_argument, "register_backend: backend is null");
  auto reserved = reserve(id);
  if (!reserved) return reserved.error();
  MemoryBackend *raw = backend.get();
  install_backend(*reserved, id, std::move(backend));
  return raw;
}

MemoryBackend *MemoryManager::backend(BackendId id) const {
  if (id.value >= limits_.max_backends) return nullptr;
  std::lock_guard lock(mu_);
  return backends_[id.value].backend.get();
}

Result<void> MemoryManager::remove_backend(BackendId id, bool destroy) {
  std::unique_ptr<MemoryBackend> victim;
  {
    std::lock_guard lock(mu_);
    if (id.value >= limits_.max_backends || !backends_[id.value].backend) {
      return Error(Errc::not_found, "backend id " + id_str(id.value) + " is not registered");
    }
    for (std::uint32_t a = 0; a < limits_.max_allocators; ++a) {
      if (allocators_[a].registered && allocators_[a].backend == id) {
        set_base(AllocatorId{a}, PointerTable::kNoBase);
        allocators_[a] = AllocatorSlot{};  // destroys the handle while the region is still mapped
      }
    }
    victim = std::move(backends_[id.value].backend);
  }
  return destroy ? victim->destroy() : success();  // the unique_ptr unmaps on return
}

Result<void> MemoryManager::detach_backend(BackendId id) { return remove_backend(id, false); }
Result<void> MemoryManager::destroy_backend(BackendId id) { return remove_backend(id, true); }

void MemoryManager::register_locked(Reservation &reserved, AllocatorId id, BackendId backend,
                                    std::unique_ptr<AllocatorHandle> handle, std::uint64_t base, std::uint64_t extent) {
  allocators_[id.value] = AllocatorSlot{true, backend, std::move(handle), base, extent};  // not reserved any more
  reserved.kept();
  set_base(id, base);
}

Result<void> MemoryManager::register_allocator(AllocatorId id, BackendId backend) {
  auto reserved = reserve(id);
  if (!reserved) return reserved.error();
  std::lock_guard lock(mu_);
  if (backend.value >= limits_.max_backends || !backends_[backend.value].backend) {
    return Error(Errc::not_found, "allocator " + id_str(id.value) + ": backend id " + id_str(backend.value) +
                                      " is not registered");
  }
  const MemoryBackend &b = *backends_[backend.value].backend;
  // A device-only region has no host base: its pointers resolve only in kernels.
  const std::uint64_t base = b.base() ? reinterpret_cast<std::uint64_t>(b.base()) : PointerTable::kNoBase;
  register_locked(*reserved, id, backend, nullptr, base, b.region_size());
  return success();
}

Result<AllocatorHandle *> MemoryManager::adopt_allocator(BackendId backend, std::unique_ptr<AllocatorHandle> handle) {
  if (!handle) return Error(Errc::invalid_argument, "adopt_allocator: handle is null");
  const AllocatorId id = handle->id();
  auto reserved = reserve(id);
  if (!reserved) return reserved.error();
  return adopt_reserved(*reserved, id, backend, std::move(handle));
}

Result<AllocatorHandle *> MemoryManager::adopt_reserved(Reservation &reserved, AllocatorId id, BackendId backend,
                                                        std::unique_ptr<AllocatorHandle> handle) {
  if (handle->id() != id) {
    return Error(Errc::invalid_argument, "allocator made for id " + id_str(id.value) + " says it is " +
                                             id_str(handle->id().value));
  }
  std::lock_guard lock(mu_);
  if (!backend.is_null() && (backend.value >= limits_.max_backends || !backends_[backend.value].backend)) {
    return Error(Errc::not_found, "allocator " + id_str(id.value) + ": backend id " + id_str(backend.value) +
                                      " is not registered");
  }
  AllocatorHandle *raw = handle.get();
  // A region allocator is registered with the backend of its region, so that detaching that
  // backend takes the allocator with it (else its pointers would outlive the mapping).
  if (raw->base() != nullptr) {
    const MemoryBackend *b = backend.is_null() ? nullptr : backends_[backend.value].backend.get();
    const char *lo = b != nullptr ? b->base() : nullptr;
    if (lo == nullptr || raw->base() < lo || raw->extent() > b->region_size() ||
        static_cast<std::uint64_t>(raw->base() - lo) > b->region_size() - raw->extent()) {
      return Error(Errc::invalid_argument, "adopt_allocator: allocator " + id_str(id.value) +
                                               "'s memory is not in the region of backend " +
                                               (backend.is_null() ? std::string("(none)") : id_str(backend.value)));
    }
  }
  register_locked(reserved, id, backend, std::move(handle), reinterpret_cast<std::uint64_t>(raw->base()), raw->extent());
  return raw;
}

Result<void> MemoryManager::unregister_allocator(AllocatorId id) {
  std::lock_guard lock(mu_);
  if (id.value >= limits_.max_allocators || !allocators_[id.value].registered) {
    return Error(Errc::not_found, "allocator id " + id_str(id.value) + " is not registered");
  }
  set_base(id, PointerTable::kNoBase);
  allocators_[id.value] = AllocatorSlot{};
  return success();
}

AllocatorHandle *MemoryManager::allocator_handle(AllocatorId id) const {
  if (id.value >= limits_.max_allocators) return nullptr;
  std::lock_guard lock(mu_);
  return allocators_[id.value].handle.get();
}

MemoryBackend *MemoryManager::allocator_backend(AllocatorId id) const {
  if (id.value >= limits_.max_allocators) return nullptr;
  std::lock_guard lock(mu_);
  const AllocatorSlot &a = allocators_[id.value];
  return a.registered && !a.backend.is_null() ? backends_[a.backend.value].backend.get() : nullptr;
}

Result<std::uint64_t> MemoryManager::offset_in(AllocatorId id, const void *p) const {
  std::uint64_t base = 0, extent = 0;
  {
    std::lock_guard lock(mu_);
    if (id.value >= limits_.max_allocators || !allocators_[id.value].registered) {
      return Error(Errc::not_found, "allocator id " + id_str(id.value) + " is not registered");
    }
    base = allocators_[id.value].base;
    extent = allocators_[id.value].extent;
  }
  if (!p) return OffsetPtr<void>::kNull;
  const auto a = reinterpret_cast<std::uint64_t>(p);
  if (base == PointerTable::kNoBase || a < base || a - base >= extent) {
    char addr[32];
    std::snprintf(addr, sizeof addr, "%p", p);
    return Error(Errc::invalid_argument,
                 std::string("address ") + addr + " is outside the region of allocator " + id_str(id.value));
  }
  return a - base;
}

std::vector<std::uint64_t> MemoryManager::device_bases() const {
  std::lock_guard lock(mu_);
  std::vector<std::uint64_t> out(limits_.max_allocators, PointerTable::kNoBase);
  for (std::uint32_t a = 0; a < limits_.max_allocators; ++a) {
    const AllocatorSlot &slot = allocators_[a];
    if (!slot.registered || slot.backend.is_null()) continue;
    if (char *d = backends_[slot.backend.value].backend->device_base()) out[a] = reinterpret_cast<std::uint64_t>(d);
  }
  return out;
}

}  // namespace unimem
