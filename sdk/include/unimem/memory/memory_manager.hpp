// MemoryManager: registers backends and allocators by id, creates / attaches / detaches / destroys
// backends, and is the one place that turns a ShmPtr into an address on the host (and, through
// DevicePointerTable, gives kernels the same table).
//
// Thread safety: registration and removal are serialised by an internal mutex; to_address / table()
// resolution is lock-free (an acquire load per look-up) and may run concurrently with registration.
// Removing an allocator while another thread still resolves its pointers is the caller's race.
// Construction touches no global state; global() creates its instance on first call, never during
// static initialisation, and no GPU work happens behind the caller's back.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "unimem/core/error.hpp"
#include "unimem/memory/allocator/allocator_handle.hpp"
#include "unimem/memory/allocator_id.hpp"
#include "unimem/memory/backend/memory_backend.hpp"
#include "unimem/memory/full_ptr.hpp"
#include "unimem/memory/pointer_table.hpp"
#include "unimem/memory/shm_ptr.hpp"

namespace unimem {

class MemoryManager {
 public:
  struct Limits {
    std::uint32_t max_backends = 256;
    std::uint32_t max_allocators = 1024;
  };

  MemoryManager() : MemoryManager(Limits{}) {}
  explicit MemoryManager(Limits limits);
  /// Destroys allocator handles first, then detaches backends (names are kept).
  ~MemoryManager();
  MemoryManager(const MemoryManager &) = delete;
  MemoryManager &operator=(const MemoryManager &) = delete;

  /// @brief The process-wide manager, created on first use.
  static MemoryManager &global();

  const Limits &limits() const noexcept { return limits_; }

  // ---- backends ----

  /// @brief Takes ownership of @p backend under @p id.
  /// @return invalid_argument (null backend), capacity_exceeded (id outside the table), already_exists.
  Result<MemoryBackend *> register_backend(BackendId id, std::unique_ptr<MemoryBackend> backend);

  /// @brief B::create(args...) and register; the id is checked first, so a taken id creates nothing.
  template <class B, class... Args>
  Result<B *> create_backend(BackendId id, Args &&...args) {
    return adopt<B>(id, [&] { return B::create(std::forward<Args>(args)...); });
  }
  /// @brief B::attach(args...) and register.
  template <class B, class... Args>
  Result<B *> attach_backend(BackendId id, Args &&...args) {
    return adopt<B>(id, [&] { return B::attach(std::forward<Args>(args)...); });
  }

  /// @brief Unregisters the backend's allocators and unmaps it; a named region keeps existing.
  Result<void> detach_backend(BackendId id);
  /// @brief Like detach_backend, and removes the region's name (MemoryBackend::destroy).
  Result<void> destroy_backend(BackendId id);
  /// @return the backend, or nullptr.
  MemoryBackend *backend(BackendId id) const;

  // ---- allocators ----

  /// @brief A::create(*backend, id, args...), owned by the manager and registered under @p id.
  template <class A, class... Args>
  Result<A *> create_allocator(AllocatorId id, BackendId backend, Args &&...args) {
    return make_allocator<A>(id, backend, [&](MemoryBackend &b) { return A::create(b, id, std::forward<Args>(args)...); });
  }
  /// @brief A::attach(*backend, id): the allocator another process created in that region.
  template <class A>
  Result<A *> attach_allocator(AllocatorId id, BackendId backend) {
    return make_allocator<A>(id, backend, [&](MemoryBackend &b) { return A::attach(b, id); });
  }
  /// @brief Takes ownership of @p handle under its id; @p backend may be null for allocators that
  /// do not live in a region (MallocAllocator), and must be the one whose region holds the
  /// allocator's memory otherwise (invalid_argument).
  Result<AllocatorHandle *> adopt_allocator(BackendId backend, std::unique_ptr<AllocatorHandle> handle);

  /// @brief Registers id -> region of @p backend for pointer resolution only, with no allocator
  /// object (e.g. an allocator managed elsewhere, or a process that only reads).
  Result<void> register_allocator(AllocatorId id, BackendId backend);
  /// @brief Removes an id (destroying the allocator handle the manager owns for it, if any).
  Result<void> unregister_allocator(AllocatorId id);
  /// @return the allocator registered under @p id if it is an A, else nullptr.
  template <class A>
  A *allocator(AllocatorId id) const {
    return dynamic_cast<A *>(allocator_handle(id));
  }
  AllocatorHandle *allocator_handle(AllocatorId id) const;
  /// @return the backend holding allocator @p id, or nullptr.
  MemoryBackend *allocator_backend(AllocatorId id) const;

  // ---- pointers ----

  /// @brief The host address of @p p (nullptr for null or an unregistered allocator). Lock-free.
  template <class T>
  T *to_address(const ShmPtr<T> &p) const noexcept {
    return table().resolve(p);
  }
  template <class T>
  FullPtr<T> to_full(const ShmPtr<T> &p) const noexcept {
    return FullPtr<T>{to_address(p), p};
  }
  /// @brief The ShmPtr of @p p for allocator @p id; invalid_argument when p is outside its region.
  template <class T>
  Result<ShmPtr<T>> to_shm(AllocatorId id, const T *p) const {
    auto off = offset_in(id, static_cast<const void *>(p));
    if (!off) return off.error();
    return ShmPtr<T>{id, 0, OffsetPtr<T>(*off)};
  }

  /// @brief The host table, as a view usable from host code (also by emulated kernels).
  PointerTable table() const noexcept { return PointerTable{host_bases_.get(), limits_.max_allocators}; }
  /// @brief Each allocator's region start as kernels see it (0 where not device-visible), by id.
  std::vector<std::uint64_t> device_bases() const;

 private:
  // An id is reserved while create/attach/adopt makes what will take it, so that two threads
  // given one id cannot both make theirs (the loser's new region or heap would be left behind).
  struct BackendSlot {
    std::unique_ptr<MemoryBackend> backend;
    bool reserved = false;
    bool taken() const noexcept { return backend != nullptr || reserved; }
  };
  struct AllocatorSlot {
    bool registered = false;
    BackendId backend{};  ///< null for allocators outside any region
    std::unique_ptr<AllocatorHandle> handle;
    std::uint64_t base = 0;  ///< host base (where offsets count from)
    std::uint64_t extent = 0;
    bool reserved = false;
    bool taken() const noexcept { return registered || reserved; }
  };

  // A reserved id, released when this goes out of scope (make() failed or threw) unless the slot
  // took its owner first (kept()).
  class Reservation {
   public:
    Reservation(std::mutex &mu, bool &flag) noexcept : mu_(&mu), flag_(&flag) {}
    Reservation(Reservation &&o) noexcept : mu_(o.mu_), flag_(std::exchange(o.flag_, nullptr)) {}
    Reservation &operator=(Reservation &&) = delete;
    ~Reservation() {
      if (flag_ == nullptr) return;
      std::lock_guard lock(*mu_);
      *flag_ = false;
    }
    void kept() noexcept { flag_ = nullptr; }

   private:
    std::mutex *mu_;
    bool *flag_;
  };

  template <class A, class Make>
  Result<A *> make_allocator(AllocatorId id, BackendId backend, Make &&make) {
    auto reserved = reserve(id);
    if (!reserved) return reserved.error();
    MemoryBackend *b = this->backend(backend);
    if (!b) {
      return Error(Errc::not_found, "allocator " + std::to_string(id.value) + ": backend id " +
                                        std::to_string(backend.value) + " is not registered");
    }
    auto made = make(*b);
    if (!made) return made.error();
    A *raw = made->get();
    if (auto ok = adopt_reserved(*reserved, id, backend, std::move(*made)); !ok) return ok.error();
    return raw;
  }
  Result<Reservation> reserve(AllocatorId id);
  Result<Reservation> reserve(BackendId id);
  /// adopt_allocator for the reserved @p id.
  Result<AllocatorHandle *> adopt_reserved(Reservation &reserved, AllocatorId id, BackendId backend,
                                           std::unique_ptr<AllocatorHandle> handle);
  /// Registers the reserved @p id (mu_ held).
  void register_locked(Reservation &reserved, AllocatorId id, BackendId backend, std::unique_ptr<AllocatorHandle> handle,
                       std::uint64_t base, std::uint64_t extent);

  template <class B, class Make>
  Result<B *> adopt(BackendId id, Make &&make) {
    auto reserved = reserve(id);
    if (!reserved) return reserved.error();
    auto made = make();
    if (!made) return made.error();
    B *raw = made->get();
    install_backend(*reserved, id, std::move(*made));
    return raw;
  }
  void install_backend(Reservation &reserved, BackendId id, std::unique_ptr<MemoryBackend> backend);
  Result<void> remove_backend(BackendId id, bool destroy);
  Result<std::uint64_t> offset_in(AllocatorId id, const void *p) const;
  void set_base(AllocatorId id, std::uint64_t base) noexcept;

  Limits limits_;
  mutable std::mutex mu_;
  std::vector<BackendSlot> backends_;
  std::vector<AllocatorSlot> allocators_;
  std::unique_ptr<std::uint64_t[]> host_bases_;
};

}  // namespace unimem
