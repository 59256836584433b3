// vector<T, A>: a contiguous, growable array whose state and elements live in an allocator's
// region, so another process that maps the region, or a kernel, uses it in place.
//
// Layout (in the region; offsets only):
//   struct state { uint64 tag; uint64 data, end, limit; }
//   data, end and limit are byte offsets from the state itself: the first element, one past the
//   last, one past the storage (T[capacity], of which [0, size) are elements). They are the same
//   in every view of the region, like offsets from its base, but reaching an element needs only the
//   state: push_back reads two fields, as std::vector's reads its end and capacity pointers, where
//   base-relative offsets plus counts cost it three more loads per element (docs/benchmarks.md).
// The handle (this class) is {state address in this process or on the device, allocator}: it is
// trivially copyable, owns nothing, and is rebound to another view of the region with rebind().
// The state is freed by destroy(), once, by whoever owns the container.
//
// Concurrency: as std::vector. Any number of threads, processes and kernels may read; a writer
// (anything that changes size, capacity or an element) excludes every other user.
// Iterator invalidation: as std::vector. Growth (push_back/emplace_back/insert past capacity,
// reserve, resize, shrink_to_fit) invalidates every iterator and pointer; insert and erase
// invalidate those at or after the position; pop_back the last one.
// Errors: operations that allocate return false / nullptr when the region is full and change
// nothing; pop_back on an empty vector returns false and erase(end()) erases nothing (std leaves
// both undefined); host creation and attach return Result.
// T must be trivially copyable: elements are bytes that every process and kernel reads as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <string_view>
#include <type_traits>

#include "unimem/containers/detail/allocator_ref.hpp"
#include "unimem/containers/detail/copy.hpp"
#include "unimem/containers/detail/region_object.hpp"
#include "unimem/core/config.hpp"
#include "unimem/core/error.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/offset_ptr.hpp"

namespace unimem {
namespace detail {
template <class T>
struct vector_state {
  std::uint64_t tag;
  std::uint64_t data;   // byte offsets from the state, modulo 2^64 (the block may lie below it);
  std::uint64_t end;    // data == limit: no element block
  std::uint64_t limit;
};
}  // namespace detail

template <class T, class A = ThreadLocalAllocator>
class vector : public detail::RegionObject<vector<T, A>, detail::vector_state<T>, A> {
  static_assert(std::is_trivially_copyable_v<T>, "unimem::vector<T>: T must be trivially copyable (see the header)");
  using base = detail::RegionObject<vector<T, A>, detail::vector_state<T>, A>;
  using base::a_;
  using base::s_;

 public:
  using value_type = T;
  using allocator_type = A;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using reference = T &;
  using const_reference = const T &;
  using pointer = T *;
  using const_pointer = const T *;
  using iterator = T *;
  using const_iterator = const T *;

  using typename base::state;
  // ".v2": the state-relative layout; states of the earlier one do not attach (invalid_argument).
  static constexpr std::uint64_t kTypeTag = detail::type_tag<T>("unimem::vector.v2");
  static constexpr std::string_view kName = "vector";
  template <class B>
  using rebound = vector<T, B>;

  vector() = default;

  /// @brief A new, empty vector in @p alloc's region, with room for @p capacity elements.
  static Result<vector> create(A &alloc, size_type capacity = 0) {
    if (capacity > max_size()) {
      return Error(Errc::invalid_argument, "vector: " + std::to_string(capacity) + " elements is above max_size() " +
                                               std::to_string(max_size()));
    }
    const detail::AllocatorRef<A> a(alloc);
    auto s = base::new_state(a);
    if (!s) return s.error();
    vector v(*s, a);
    if (!v.reserve(capacity)) {
      v.destroy();
      return Error(Errc::out_of_memory, "vector: no room for " + std::to_string(capacity) + " elements");
    }
    return v;
  }
  /// @brief Frees the elements and the state. Every other handle on this vector is then dangling
  /// (destroy() through one does nothing until the memory is reused; see claim_state).
  void destroy() noexcept { destroy_tagged(kTypeTag); }

  // ---- capacity ----
  UNIMEM_HOST_DEVICE size_type size() const noexcept { return (s_->end - s_->data) / sizeof(T); }
  UNIMEM_HOST_DEVICE bool empty() const noexcept { return s_->end == s_->data; }
  UNIMEM_HOST_DEVICE size_type capacity() const noexcept { return (s_->limit - s_->data) / sizeof(T); }
  UNIMEM_HOST_DEVICE static constexpr size_type max_size() noexcept { return (std::uint64_t{1} << 47) / sizeof(T); }
  /// @return false (nothing changed) when the region has no room.
  UNIMEM_HOST_DEVICE bool reserve(size_type n) noexcept { return n <= capacity() || reallocate(n); }
  UNIMEM_HOST_DEVICE bool shrink_to_fit() noexcept { return s_->end == s_->limit || reallocate(size()); }

  // ---- elements ----
  UNIMEM_HOST_DEVICE T *data() const noexcept { return s_->data != s_->limit ? at(s_->data) : nullptr; }
  UNIMEM_HOST_DEVICE T &operator[](size_type i) const noexcept { return at(s_->data)[i]; }
  UNIMEM_HOST_DEVICE T &front() const noexcept { return (*this)[0]; }
  UNIMEM_HOST_DEVICE T &back() const noexcept { return at(s_->end)[-1]; }
  UNIMEM_HOST_DEVICE iterator begin() const noexcept { return data(); }
  UNIMEM_HOST_DEVICE iterator end() const noexcept { return data() + size(); }
  UNIMEM_HOST_DEVICE const_iterator cbegin() const noexcept { return begin(); }
  UNIMEM_HOST_DEVICE const_iterator cend() const noexcept { return end(); }

  // ---- modifiers ----
  UNIMEM_HOST_DEVICE bool push_back(const T &v) noexcept { return emplace_back(v) != nullptr; }
  /// @return the new element, or nullptr when the region has no room (nothing changed).
  template <class... Args>
  UNIMEM_HOST_DEVICE T *emplace_back(Args &&...args) noexcept {
    state *const s = s_;
    const std::uint64_t e = s->end;
    if (UNIMEM_LIKELY(e != s->limit)) {
      T *p = ::new (at(e)) T(static_cast<Args &&>(args)...);
      s->end = e + sizeof(T);
      return p;
    }
    const T v(static_cast<Args &&>(args)...);  // args may refer into the storage growth frees
    if (!grow(size() + 1)) return nullptr;
    T *p = ::new (at(s->end)) T(v);
    s->end += sizeof(T);
    return p;
  }
  /// @return false (nothing changed) when the vector is empty.
  UNIMEM_HOST_DEVICE bool pop_back() noexcept {
    if (empty()) return false;
    s_->end -= sizeof(T);
    return true;
  }
  UNIMEM_HOST_DEVICE void clear() noexcept { s_->end = s_->data; }
  /// @brief New elements are value-initialised (or copies of @p v). @return false when out of memory.
  UNIMEM_HOST_DEVICE bool resize(size_type n, const T &v = T()) noexcept {
    const size_type old = size();
    if (n > old) {
      const T fill = v;
      if (!reserve(n)) return false;
      T *d = at(s_->data);
      for (size_type i = old; i < n; ++i) ::new (d + i) T(fill);
    }
    set_size(n);
    return true;
  }
  /// @brief Appends @p n elements copied from @p src. @return false when out of memory.
  UNIMEM_HOST_DEVICE bool append(const T *src, size_type n) noexcept {
    if (n == 0) return true;
    const size_type old = size();
    if (n > max_size() - old) return false;
    if (old + n > capacity()) {
      if (src >= begin() && src < end()) {  // appending part of itself: the source moves with growth
        const size_type from = static_cast<size_type>(src - begin());
        if (!grow(old + n)) return false;
        src = begin() + from;
      } else if (!grow(old + n)) {
        return false;
      }
    }
    detail::copy_bytes(end(), src, n * sizeof(T));
    s_->end += n * sizeof(T);
    return true;
  }
  bool assign(std::initializer_list<T> values) noexcept {
    if (!reserve(values.size())) return false;
    clear();
    return append(values.begin(), values.size());
  }
  /// @return the inserted element, or nullptr when out of memory (nothing changed).
  UNIMEM_HOST_DEVICE iterator insert(const_iterator pos, const T &v) noexcept {
    const size_type i = static_cast<size_type>(pos - begin());
    const size_type n = size();
    const T copy = v;
    if (s_->end == s_->limit && !grow(n + 1)) return nullptr;
    T *d = at(s_->data);
    detail::move_bytes(d + i + 1, d + i, (n - i) * sizeof(T));
    ::new (d + i) T(copy);
    s_->end += sizeof(T);
    return d + i;
  }
  /// @return the element after the erased one; erase(end()), or a range not within [begin(), end()],
  /// erases nothing and returns end().
  UNIMEM_HOST_DEVICE iterator erase(const_iterator pos) noexcept { return erase(pos, pos + 1); }
  UNIMEM_HOST_DEVICE iterator erase(const_iterator first, const_iterator last) noexcept {
    T *d = begin();
    if (first < d || last < first || last > end()) return end();
    const size_type i = static_cast<size_type>(first - d);
    const size_type n = static_cast<size_type>(last - first);
    detail::move_bytes(d + i, d + i + n, (size() - i - n) * sizeof(T));
    s_->end -= n * sizeof(T);
    return d + i;
  }

 private:
  template <class, class, class>
  friend class detail::RegionObject;
  template <class, class>
  friend class basic_string;
  UNIMEM_HOST_DEVICE vector(state *s, detail::AllocatorRef<A> a) noexcept : base(s, a) {}
  /// destroy() of a state stamped with @p tag (a string's is its own).
  void destroy_tagged(std::uint64_t tag) noexcept {
    if (!base::claim_state(tag)) return;
    (void)a_.deallocate(block());
    base::release_state();
  }
  /// What is out of range in a state another process wrote, or null (attach's check).
  static const char *damage(A &alloc, const state &s) {
    const std::uint64_t used = s.end - s.data, room = s.limit - s.data;
    if (used > room) return "size above capacity";
    if (used % sizeof(T) != 0 || room % sizeof(T) != 0) return "element range not a whole number of elements";
    if (room / sizeof(T) > max_size()) return "capacity above max_size()";
    const std::uint64_t here = reinterpret_cast<std::uintptr_t>(&s) - reinterpret_cast<std::uintptr_t>(alloc.base());
    if (room != 0 && !detail::holds_range(alloc, here + s.data, room, alignof(T))) {
      return "element block outside the region";
    }
    return nullptr;
  }

  /// The address @p rel bytes from the state (wrapping: the block may lie below it).
  UNIMEM_HOST_DEVICE T *at(std::uint64_t rel) const noexcept {
    return reinterpret_cast<T *>(reinterpret_cast<std::uintptr_t>(s_) + rel);
  }
  UNIMEM_HOST_DEVICE std::uint64_t rel(const void *p) const noexcept {
    return reinterpret_cast<std::uintptr_t>(p) - reinterpret_cast<std::uintptr_t>(s_);
  }
  /// The element block as the allocator knows it, or null.
  UNIMEM_HOST_DEVICE OffsetPtr<void> block() const noexcept {
    return s_->data != s_->limit ? a_.offset(static_cast<void *>(at(s_->data))) : OffsetPtr<void>();
  }
  /// Shrinks or grows the size within the capacity; new elements are whatever the storage holds.
  UNIMEM_HOST_DEVICE void set_size(size_type n) noexcept { s_->end = s_->data + n * sizeof(T); }

  /// Capacity for at least @p n: doubling, so push_back is amortised O(1).
  UNIMEM_HOST_DEVICE bool grow(size_type n) noexcept {
    const size_type cap = capacity();
    size_type want = cap * 2 < 4 ? 4 : cap * 2;
    if (want < n || want > max_size()) want = n;
    return reallocate(want);
  }
  /// Moves the elements to a block of exactly @p n (>= size) elements: a new block, the state
  /// repointed (move_to), and only then the old block freed, so that no state a writer killed on
  /// the way leaves behind reaches freed memory.
  UNIMEM_HOST_DEVICE bool reallocate(size_type n) noexcept {
    if (n > max_size()) return false;
    const std::uint64_t used = s_->end - s_->data;
    const OffsetPtr<void> old = block();
    if (n == 0) {
      s_->limit = s_->data;  // no block, before it is freed
    } else {
      const OffsetPtr<void> p = a_.allocate(n * sizeof(T), alignof(T));
      if (p.is_null()) return false;
      // One element past the last, where the old room has it: a string's terminator lies there.
      std::uint64_t keep = used + sizeof(T);
      if (keep > s_->limit - s_->data) keep = s_->limit - s_->data;
      if (keep > n * sizeof(T)) keep = n * sizeof(T);
      if (keep) detail::copy_bytes(a_.address(p), at(s_->data), keep);
      detail::store_order();  // the copy before the state points at it
      move_to(rel(a_.address(p)), used, n * sizeof(T));
    }
    detail::store_order();
    (void)a_.deallocate(old);
    return true;
  }
  /// Points the state at the block @p d (holding @p used bytes of elements, room for @p room) in an
  /// order that leaves, after each store, the old state, an empty vector over one of the two (live)
  /// blocks, or fields of both blocks that attach refuses (a range that wraps, i.e. a capacity above
  /// max_size(), or that ends before it begins): the new start first where the new block lies above
  /// the old one, last where it lies below.
  UNIMEM_HOST_DEVICE void move_to(std::uint64_t d, std::uint64_t used, std::uint64_t room) noexcept {
    const auto here = reinterpret_cast<std::uintptr_t>(s_);
    const bool above = here + d > here + s_->data;
    if (above) {
      s_->data = d;
      detail::store_order();
    }
    s_->end = d + used;
    detail::store_order();
    s_->limit = d + room;
    if (!above) {
      detail::store_order();
      s_->data = d;
    }
  }
};

}  // namespace unimem
