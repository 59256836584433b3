// Memory<T, Kind, Space>: a fixed-length run of T (Julia's GenericMemory). The space is part of
// the type, so host code cannot dereference device memory (it does not compile); Kind is
// kind::plain or kind::atomic (every element access atomic, stores with an explicit order).
//
// Layout. A Memory handle is {block, data, length}; the block is a host-side control record:
//   struct MemoryBlock { atomic refs; size_t capacity; void *storage, *owner; void (*release)(MemoryBlock *); }
// Storage is either inline, right after the block in the same allocation (allocate(): one
// allocation), or foreign, a pointer the caller gives (wrap() borrows it, adopt() frees it with the
// caller's deleter when the last handle goes). Handles share the block by reference count; the
// zero-length Memory of each <T, Kind, Space> is one immortal instance (empty()).
// capacity is how many elements the storage holds in place: expand() grows a handle's length up to
// it without moving anything (the allocator's size class often leaves room), as Julia's expand.
//
// Thread safety: handles may be copied and dropped from any thread. Element access follows Kind:
// plain elements need one writer at a time, atomic elements any number. Kernels take a MemoryRef
// (trivially copyable) or view(); Memory itself is a host object.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <type_traits>

#include "unimem/core/error.hpp"
#include "unimem/memory/allocator/mem_context.hpp"
#include "unimem/memory/detail/element_access.hpp"
#include "unimem/memory/memory_space.hpp"
#include "unimem/memory/offset_ptr.hpp"

namespace unimem {

template <class T, class Kind, MemorySpace Space>
class MemoryRef;

namespace detail {
struct MemoryBlock {
  static constexpr std::uint64_t kImmortal = std::uint64_t{1} << 62;
  std::atomic<std::uint64_t> refs;
  std::size_t capacity;  ///< elements the storage holds without moving
  void *storage;         ///< the elements
  void *owner;           ///< the allocator (inline storage), the deleter (adopted storage) or null (borrowed)
  void (*release)(MemoryBlock *) noexcept;  ///< frees the storage and the block; null for the empty instance
};

/// The capabilities of the memory @p alloc hands out: from its region's kind, or plain host memory.
template <class A>
SpaceCaps allocator_caps(const A &alloc) noexcept {
  if constexpr (requires { alloc.backend_kind(); }) return space_caps(alloc.backend_kind());
  else return {true, false, false};
}
}  // namespace detail

template <class T, class Kind = kind::plain, MemorySpace Space = space::host>
class Memory {
  static_assert(detail::kind_ok<Kind, T>, "kind::atomic needs a trivially copyable T of 4 or 8 bytes");
  static_assert(std::is_trivially_copyable_v<T>, "Memory<T>: T must be trivially copyable");

 public:
  using value_type = T;
  using kind_type = Kind;
  using space_type = Space;
  static constexpr bool is_atomic = std::is_same_v<Kind, kind::atomic>;

  /// @brief The shared zero-length instance (also what a default-constructed Memory is).
  Memory() noexcept : Memory(empty_block(), nullptr, 0) {}
  static Memory empty() noexcept { return Memory(); }

  /// @brief @p n elements (uninitialised) inline after the control block: one allocation from
  /// @p alloc. invalid_argument if the allocator's memory cannot be typed as Space (e.g. pageable
  /// host memory as space::shared), out_of_memory if it has no room.
  template <class A>
  static Result<Memory> allocate(A &alloc, std::size_t n) {
    if (!space_fits<Space>(detail::allocator_caps(alloc))) {
      return Error(Errc::invalid_argument,
                   "Memory: this allocator's region is not " + std::string(Space::name) + " memory");
    }
    if (n == 0) return empty();
    if (n > (std::uint64_t{1} << 47) / sizeof(T)) {
      return Error(Errc::invalid_argument, "Memory: " + std::to_string(n) + " elements exceed a region");
    }
    const OffsetPtr<void> off = alloc.aligned_allocate_offset(MemContext{}, kDataOffset + n * sizeof(T), kAlign);
    if (off.is_null()) {
      return Error(Errc::out_of_memory, "Memory: no room for " + std::to_string(n) + " elements of " +
                                            std::to_string(sizeof(T)) + " bytes");
    }
    char *p = static_cast<char *>(off.get_unchecked(alloc.base()));
    std::size_t capacity = n;
    if constexpr (requires { alloc.usable_size(off); }) capacity = (alloc.usable_size(off) - kDataOffset) / sizeof(T);
    auto *b = ::new (p) detail::MemoryBlock{{1}, capacity, p + kDataOffset, &alloc, &release_inline<A>};
    return Memory(b, reinterpret_cast<T *>(p + kDataOffset), n);
  }
  /// @brief Borrows @p n elements at @p p (foreign storage the caller keeps alive and frees).
  /// @p capacity (>= n) is how far expand() may grow into it.
  static Result<Memory> wrap(T *p, std::size_t n, std::size_t capacity = 0) {
    return foreign(p, n, capacity, nullptr);
  }
  /// @brief Takes ownership of @p n elements at @p p: @p deleter(p) runs when the last handle goes.
  static Result<Memory> adopt(T *p, std::size_t n, void (*deleter)(void *) noexcept, std::size_t capacity = 0) {
    if (!deleter) return Error(Errc::invalid_argument, "Memory::adopt: a deleter is required");
    return foreign(p, n, capacity, deleter);
  }

  Memory(const Memory &o) noexcept : b_(o.b_), data_(o.data_), length_(o.length_) { retain(); }
  Memory(Memory &&o) noexcept : b_(o.b_), data_(o.data_), length_(o.length_) {
    o.b_ = empty_block();
    o.data_ = nullptr;
    o.length_ = 0;
  }
  Memory &operator=(Memory o) noexcept {
    std::swap(b_, o.b_);
    std::swap(data_, o.data_);
    std::swap(length_, o.length_);
    return *this;
  }
  ~Memory() { drop(); }

  std::size_t size() const noexcept { return length_; }
  bool empty_memory() const noexcept { return length_ == 0; }
  /// @brief Elements the storage holds in place (what expand() can reach).
  std::size_t capacity() const noexcept { return b_->capacity; }
  /// @brief The address of the elements, in this space (never dereferenced here).
  T *data() const noexcept { return data_; }
  /// @brief Whether @p o is a handle on the same storage.
  bool same_storage(const Memory &o) const noexcept { return b_ == o.b_; }
  /// @brief How many handles share the storage (the empty instance reports a huge count).
  std::uint64_t use_count() const noexcept { return b_->refs.load(std::memory_order_relaxed); }

  // ---- element access, where this space may be dereferenced by host code ----
  T &operator[](std::size_t i) const noexcept
    requires(Space::host_accessible && !is_atomic)
  {
    return data_[i];
  }
  T load(std::size_t i, std::memory_order o = std::memory_order_relaxed) const noexcept
    requires(Space::host_accessible && is_atomic)
  {
    return detail::element_load(data_ + i, o);
  }
  /// Stores name their memory order (Julia requires it on setindex! of atomic memory).
  void store(std::size_t i, T v, std::memory_order o) const noexcept
    requires(Space::host_accessible && is_atomic)
  {
    detail::element_store(data_ + i, v, o);
  }

 private:
  template <class, class, MemorySpace>
  friend class Memory;
  template <class U, class K, MemorySpace S>
  friend std::optional<Memory<U, K, S>> expand(const Memory<U, K, S> &, std::size_t);

  static constexpr std::size_t kAlign = alignof(T) > 64 ? alignof(T) : 64;
  static constexpr std::size_t kDataOffset = (sizeof(detail::MemoryBlock) + kAlign - 1) / kAlign * kAlign;

  Memory(detail::MemoryBlock *b, T *data, std::size_t n) noexcept : b_(b), data_(data), length_(n) {}

  static Result<Memory> foreign(T *p, std::size_t n, std::size_t capacity, void (*deleter)(void *) noexcept) {
    if (capacity == 0) capacity = n;
    if ((!p && n) || capacity < n) {
      return Error(Errc::invalid_argument, "Memory: " + std::to_string(n) + " elements at a null pointer or with capacity " +
                                               std::to_string(capacity));
    }
    auto *b = new (std::nothrow)
        detail::MemoryBlock{{1}, capacity, p, reinterpret_cast<void *>(deleter), &release_foreign};
    if (!b) return Error(Errc::out_of_memory, "Memory: no room for a control block");
    return Memory(b, p, n);
  }
  template <class A>
  static void release_inline(detail::MemoryBlock *b) noexcept {
    A &alloc = *static_cast<A *>(b->owner);
    (void)alloc.free_offset(MemContext{}, OffsetPtr<void>::from(alloc.base(), b));
  }
  static void release_foreign(detail::MemoryBlock *b) noexcept {
    if (b->owner) reinterpret_cast<void (*)(void *) noexcept>(b->owner)(b->storage);
    delete b;
  }
  static detail::MemoryBlock *empty_block() noexcept {
    static detail::MemoryBlock block{{detail::MemoryBlock::kImmortal}, 0, nullptr, nullptr, nullptr};
    return &block;
  }

  void retain() noexcept { b_->refs.fetch_add(1, std::memory_order_relaxed); }
  void drop() noexcept {
    if (b_->release && b_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) b_->release(b_);
  }

  detail::MemoryBlock *b_;
  T *data_;
  std::size_t length_;
};

/// @brief A Memory of length @p n over the same storage, if it holds n elements in place; nullopt
/// otherwise (nothing changes). Never moves data, as Julia's expand.
template <class T, class K, MemorySpace S>
std::optional<Memory<T, K, S>> expand(const Memory<T, K, S> &m, std::size_t n) {
  if (n > m.capacity()) return std::nullopt;
  Memory<T, K, S> grown = m;
  grown.length_ = n;
  return grown;
}
/// @brief A Memory over the same storage grown to at most @p n elements (maybe fewer, maybe the same).
template <class T, class K, MemorySpace S>
Memory<T, K, S> expand_upto(const Memory<T, K, S> &m, std::size_t n) {
  const std::size_t reach = n < m.capacity() ? n : m.capacity();
  if (reach <= m.size()) return m;
  return *expand(m, reach);
}

}  // namespace unimem
