// AllocatorBase<Derived>: the typed, Result-returning conveniences every allocator offers on top of
// its core offset API (the seed's: allocate_offset, aligned_allocate_offset, reallocate_offset,
// free_offset, create_tls, free_tls). Derived provides the core; this adds FullPtr<T> and errors
// with messages that name the allocator and the offending value.
#pragma once

#include <cstddef>
#include <string>

#include "unimem/core/error.hpp"
#include "unimem/memory/allocator/mem_context.hpp"
#include "unimem/memory/full_ptr.hpp"
#include "unimem/memory/offset_ptr.hpp"

namespace unimem {

template <class Derived>
class AllocatorBase {
 public:
  /// @brief @p count objects of T (uninitialised), or a null FullPtr when out of memory.
  template <class T = char>
  FullPtr<T> allocate(const MemContext &ctx, std::size_t count = 1) {
    if (count > ~std::size_t{0} / sizeof(T)) return {};
    return to_full(self().aligned_allocate_offset(ctx, count * sizeof(T), alignof(T)).template cast<T>());
  }

  /// @brief Like allocate_offset / aligned_allocate_offset, with the reason on failure.
  Result<FullPtr<void>> try_allocate(const MemContext &ctx, std::size_t bytes, std::size_t alignment = 16) {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > kMaxAlignment) {
      return Error(Errc::invalid_argument, name() + ": alignment " + std::to_string(alignment) +
                                               " is not a power of two up to " + std::to_string(kMaxAlignment));
    }
    if (reinterpret_cast<std::uintptr_t>(self().base()) % alignment != 0) {
      return Error(Errc::invalid_argument, name() + ": alignment " + std::to_string(alignment) +
                                               " is above the alignment of the region's base address");
    }
    const OffsetPtr<void> p = self().aligned_allocate_offset(ctx, bytes, alignment);
    if (p.is_null()) {
      return Error(Errc::out_of_memory, name() + ": no room for " + std::to_string(bytes) + " bytes (" +
                                            std::to_string(self().stats().bytes_in_use) + " bytes in use)");
    }
    return to_full(p);
  }

  /// @brief Frees a block. Freeing null is a no-op; a foreign pointer or a double free is an error
  /// and changes nothing.
  Result<void> free(const MemContext &ctx, OffsetPtr<void> p) {
    if (p.is_null()) return success();
    const Errc code = self().free_offset(ctx, p);
    if (code == Errc::ok) return success();
    return Error(code, name() + ": offset " + std::to_string(p.offset()) +
                           " is not a live block of this allocator (foreign pointer or double free)");
  }
  /// @brief Frees a block; a pointer of another allocator is an error and changes nothing.
  template <class T>
  Result<void> free(const MemContext &ctx, const FullPtr<T> &p) {
    if (!p.shm.off.is_null() && p.shm.alloc != self().id()) {
      return Error(Errc::invalid_argument, name() + ": the pointer belongs to allocator " +
                                               std::to_string(p.shm.alloc.value) + "; nothing was freed");
    }
    return free(ctx, OffsetPtr<void>(p.shm.off.offset()));
  }

  template <class T>
  T *to_address(OffsetPtr<T> p) const noexcept {
    return p.get(self().base());
  }
  template <class T>
  FullPtr<T> to_full(OffsetPtr<T> p) const noexcept {
    return FullPtr<T>{p.get(self().base()), ShmPtr<T>{self().id(), 0, p}};
  }
  template <class T>
  OffsetPtr<T> to_offset(const T *p) const noexcept {
    return OffsetPtr<T>::from(self().base(), p);
  }

  static constexpr std::size_t kMaxAlignment = std::size_t{2} << 20;

 private:
  std::string name() const { return "allocator " + std::to_string(self().id().value); }
  Derived &self() noexcept { return static_cast<Derived &>(*this); }
  const Derived &self() const noexcept { return static_cast<const Derived &>(*this); }
};

}  // namespace unimem
