// OffsetPtr<T>: a pointer stored as a byte offset from the start of its region, so it means the
// same thing in every process and on the GPU, wherever the region is mapped. Null is the all-ones
// offset. get(base) maps null to nullptr; get_unchecked(base) is the branch-free form for callers
// that know the pointer is not null (containers' hot paths).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "unimem/core/config.hpp"

namespace unimem {

template <class T>
class OffsetPtr {
 public:
  static constexpr std::uint64_t kNull = ~std::uint64_t{0};

  constexpr OffsetPtr() noexcept = default;
  UNIMEM_HOST_DEVICE constexpr explicit OffsetPtr(std::uint64_t offset) noexcept : off_(offset) {}
  UNIMEM_HOST_DEVICE static constexpr OffsetPtr null() noexcept { return OffsetPtr(); }

  /// @brief The offset of @p p from @p base (nullptr gives null).
  UNIMEM_HOST_DEVICE static OffsetPtr from(const void *base, const T *p) noexcept {
    return p ? OffsetPtr(static_cast<std::uint64_t>(reinterpret_cast<const char *>(p) - static_cast<const char *>(base)))
             : OffsetPtr();
  }

  UNIMEM_HOST_DEVICE constexpr std::uint64_t offset() const noexcept { return off_; }
  UNIMEM_HOST_DEVICE constexpr bool is_null() const noexcept { return off_ == kNull; }
  UNIMEM_HOST_DEVICE constexpr explicit operator bool() const noexcept { return !is_null(); }

  UNIMEM_HOST_DEVICE T *get(const void *base) const noexcept { return is_null() ? nullptr : get_unchecked(base); }
  /// Integer arithmetic: a base of 0 is valid (MallocAllocator), and null + n would be undefined.
  UNIMEM_HOST_DEVICE T *get_unchecked(const void *base) const noexcept {
    return reinterpret_cast<T *>(reinterpret_cast<std::uintptr_t>(base) + off_);
  }

  template <class U>
  UNIMEM_HOST_DEVICE constexpr OffsetPtr<U> cast() const noexcept {
    return OffsetPtr<U>(off_);
  }

  /// Element arithmetic, as on T*. Null stays null.
  UNIMEM_HOST_DEVICE constexpr OffsetPtr operator+(std::ptrdiff_t n) const noexcept
    requires(!std::is_void_v<T>)
  {
    return is_null() ? *this : OffsetPtr(off_ + static_cast<std::uint64_t>(n * static_cast<std::ptrdiff_t>(sizeof(T))));
  }
  UNIMEM_HOST_DEVICE constexpr OffsetPtr operator-(std::ptrdiff_t n) const noexcept
    requires(!std::is_void_v<T>)
  {
    return *this + (-n);
  }

  UNIMEM_HOST_DEVICE friend constexpr bool operator==(OffsetPtr a, OffsetPtr b) noexcept { return a.off_ == b.off_; }
  UNIMEM_HOST_DEVICE friend constexpr auto operator<=>(OffsetPtr a, OffsetPtr b) noexcept { return a.off_ <=> b.off_; }

 private:
  std::uint64_t off_ = kNull;
};

static_assert(std::is_trivially_copyable_v<OffsetPtr<int>> && sizeof(OffsetPtr<int>) == 8);

}  // namespace unimem
