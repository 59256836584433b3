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
      host_bases_(new std::uint64_t[limits.max_allocators]()) {}

MemoryManager::~MemoryManager() = default;

MemoryManager &MemoryManager::global() {
  static MemoryManager instance;
  return instance;
}

void MemoryManager::set_base(AllocatorId id, std::uint64_t base) noexcept {
  detail::atomic_store<thread_scope::system>(host_bases_.get() + id.value, base, std::memory_order_release);
}

Result<void> MemoryManager::check_backend_id_free(BackendId id) const {
  if (id.value >= limits_.max_backends) {
    return Error(Errc::capacity_exceeded, "backend id " + id_str(id.value) + " is outside this manager's table (max " +
                                              id_str(limits_.max_backends) + " backends)");
  }
  std::lock_guard lock(mu_);
  if (backends_[id.value].backend) {
    return Error(Errc::already_exists, "backend id " + id_str(id.value) + " is already registered");
  }
  return success();
}

Result<MemoryBackend *> MemoryManager::register_backend(BackendId id, std::unique_ptr<MemoryBackend> backend) {
  if (!backend) return Error(Errc::invalid_argument, "register_backend: backend is null");
  if (auto ok = check_backend_id_free(id); !ok) return ok.error();
  std::lock_guard lock(mu_);
  auto &slot = backends_[id.value];
  if (slot.backend) return Error(Errc::already_exists, "backend id " + id_str(id.value) + " is already registered");
  slot.backend = std::move(backend);
  return slot.backend.get();
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
      if (allocators_[a].backend == id) {
        allocators_[a] = AllocatorSlot{};
        set_base(AllocatorId{a}, 0);
      }
    }
    victim = std::move(backends_[id.value].backend);
  }
  return destroy ? victim->destroy() : success();  // the unique_ptr unmaps on return
}

Result<void> MemoryManager::detach_backend(BackendId id) { return remove_backend(id, false); }
Result<void> MemoryManager::destroy_backend(BackendId id) { return remove_backend(id, true); }

Result<void> MemoryManager::register_allocator(AllocatorId id, BackendId backend, void *instance) {
  if (id.value >= limits_.max_allocators) {
    return Error(Errc::capacity_exceeded, "allocator id " + id_str(id.value) + " is outside this manager's table (max " +
                                              id_str(limits_.max_allocators) + " allocators)");
  }
  std::lock_guard lock(mu_);
  if (backend.value >= limits_.max_backends || !backends_[backend.value].backend) {
    return Error(Errc::not_found, "allocator " + id_str(id.value) + ": backend id " + id_str(backend.value) +
                                      " is not registered");
  }
  if (!allocators_[id.value].backend.is_null()) {
    return Error(Errc::already_exists, "allocator id " + id_str(id.value) + " is already registered");
  }
  allocators_[id.value] = AllocatorSlot{backend, instance};
  set_base(id, reinterpret_cast<std::uint64_t>(backends_[backend.value].backend->base()));
  return success();
}

Result<void> MemoryManager::unregister_allocator(AllocatorId id) {
  std::lock_guard lock(mu_);
  if (id.value >= limits_.max_allocators || allocators_[id.value].backend.is_null()) {
    return Error(Errc::not_found, "allocator id " + id_str(id.value) + " is not registered");
  }
  allocators_[id.value] = AllocatorSlot{};
  set_base(id, 0);
  return success();
}

void *MemoryManager::allocator(AllocatorId id) const {
  if (id.value >= limits_.max_allocators) return nullptr;
  std::lock_guard lock(mu_);
  return allocators_[id.value].instance;
}

MemoryBackend *MemoryManager::allocator_backend(AllocatorId id) const {
  if (id.value >= limits_.max_allocators) return nullptr;
  std::lock_guard lock(mu_);
  const BackendId b = allocators_[id.value].backend;
  return b.is_null() ? nullptr : backends_[b.value].backend.get();
}

Result<std::uint64_t> MemoryManager::offset_in(AllocatorId id, const void *p) const {
  MemoryBackend *b = allocator_backend(id);
  if (!b) return Error(Errc::not_found, "allocator id " + id_str(id.value) + " is not registered");
  if (!p) return OffsetPtr<void>::kNull;
  auto *c = static_cast<const char *>(p);
  if (!b->view().contains(c, b->base())) {
    char addr[32];
    std::snprintf(addr, sizeof addr, "%p", p);
    return Error(Errc::invalid_argument,
                 std::string("address ") + addr + " is outside the region of allocator " + id_str(id.value));
  }
  return static_cast<std::uint64_t>(c - b->base());
}

std::vector<std::uint64_t> MemoryManager::device_bases() const {
  std::lock_guard lock(mu_);
  std::vector<std::uint64_t> out(limits_.max_allocators, 0);
  for (std::uint32_t a = 0; a < limits_.max_allocators; ++a) {
    const BackendId b = allocators_[a].backend;
    if (!b.is_null()) out[a] = reinterpret_cast<std::uint64_t>(backends_[b.value].backend->device_base());
  }
  return out;
}

}  // namespace unimem
