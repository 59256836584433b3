// Array<T, N, Kind, Space>: an N-dimensional array (Julia's Array = MemoryRef + axes). It holds its
// Memory and its dimensions by value, so making one costs exactly one allocation: the Memory's
// control block and elements together (the CachedArrays seed counts that cost per array).
// Indexing is row-major (the last index varies fastest), as C++ users and std::mdspan expect.
// One-dimensional arrays grow: push_back is amortised O(1) (growth first tries expand() in place,
// then moves to a Memory twice as large from the same allocator); reserve() sets the room.
// Kernels take view(): a trivially copyable {data, dims} with the same element access rules.
// An Array owns its length, so it moves but does not copy (two copies sharing the elements would
// each push into the same slots); share the elements through memory() or view(). A moved-from
// Array is empty and has no allocator.
// Thread safety: as std::vector (one writer); atomic-kind elements through ref() any number.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

#include "unimem/containers/detail/copy.hpp"
#include "unimem/core/config.hpp"
#include "unimem/core/error.hpp"
#include "unimem/memory/memory.hpp"
#include "unimem/memory/memory_ref.hpp"

namespace unimem {

/// The trivially copyable form of an Array, for kernels: no ownership, no growth.
template <class T, std::size_t N, class Kind = kind::plain, MemorySpace Space = space::host>
struct ArrayView {
  T *data = nullptr;
  std::size_t dims[N] = {};  ///< a C array: std::array's accessors are host-only under nvcc

  UNIMEM_HOST_DEVICE std::size_t size() const noexcept {
    std::size_t n = 1;
    for (std::size_t d = 0; d < N; ++d) n *= dims[d];
    return n;
  }
  template <class... I>
  UNIMEM_HOST_DEVICE std::size_t linear(I... idx) const noexcept {
    static_assert(sizeof...(I) == N, "one index per dimension");
    const std::size_t is[N] = {static_cast<std::size_t>(idx)...};
    std::size_t at = 0;
    for (std::size_t d = 0; d < N; ++d) at = at * dims[d] + is[d];
    return at;
  }
  template <class... I>
  UNIMEM_HOST_DEVICE T &operator()(I... idx) const noexcept
    requires(accessible_here<Space> && std::is_same_v<Kind, kind::plain>)
  {
    return data[linear(idx...)];
  }
  /// @brief A reference to element @p linear_index (atomic arrays load and store through it); null if outside.
  UNIMEM_HOST_DEVICE MemoryRef<T, Kind, Space> ref(std::size_t linear_index) const noexcept {
    return MemoryRef<T, Kind, Space>(data, size(), linear_index);
  }
};

template <class T, std::size_t N = 1, class Kind = kind::plain, MemorySpace Space = space::host>
class Array {
  static_assert(N >= 1, "Array needs at least one dimension");

 public:
  using memory_type = Memory<T, Kind, Space>;
  using ref_type = MemoryRef<T, Kind, Space>;
  using value_type = T;

  Array() = default;
  Array(Array &&o) noexcept
      : mem_(std::move(o.mem_)),
        dims_(std::exchange(o.dims_, {})),
        alloc_(std::exchange(o.alloc_, nullptr)),
        grow_(std::exchange(o.grow_, nullptr)) {}
  Array &operator=(Array &&o) noexcept {
    if (this != &o) {
      mem_ = std::move(o.mem_);
      dims_ = std::exchange(o.dims_, {});
      alloc_ = std::exchange(o.alloc_, nullptr);
      grow_ = std::exchange(o.grow_, nullptr);
    }
    return *this;
  }
  Array(const Array &) = delete;
  Array &operator=(const Array &) = delete;

  /// @brief An array of the given dimensions (elements uninitialised), in one allocation from @p alloc.
  template <class A, class... D>
  static Result<Array> create(A &alloc, D... dims)
    requires(sizeof...(D) == N)
  {
    const std::array<std::size_t, N> d{static_cast<std::size_t>(dims)...};
    auto m = memory_type::allocate(alloc, product(d));
    if (!m) return m.error();
    Array a(std::move(*m), d);
    a.alloc_ = &alloc;
    a.grow_ = &allocate_from<A>;
    return a;
  }
  /// @brief An array over existing memory (no copy), e.g. a reshape: its dimensions must fit.
  /// Arrays made over one Memory share its elements, each with a length of its own.
  template <class... D>
  static Result<Array> from(memory_type m, D... dims)
    requires(sizeof...(D) == N)
  {
    const std::array<std::size_t, N> d{static_cast<std::size_t>(dims)...};
    if (product(d) > m.size()) {
      return Error(Errc::invalid_argument, "Array: " + std::to_string(product(d)) + " elements do not fit a Memory of " +
                                               std::to_string(m.size()));
    }
    return Array(std::move(m), d);
  }

  std::size_t size() const noexcept { return product(dims_); }
  std::size_t size(std::size_t dim) const noexcept { return dims_[dim]; }
  const std::array<std::size_t, N> &dims() const noexcept { return dims_; }
  bool empty() const noexcept { return size() == 0; }
  const memory_type &memory() const noexcept { return mem_; }
  T *data() const noexcept { return mem_.data(); }
  ArrayView<T, N, Kind, Space> view() const noexcept {
    ArrayView<T, N, Kind, Space> v;
    v.data = mem_.data();
    for (std::size_t d = 0; d < N; ++d) v.dims[d] = dims_[d];
    return v;
  }

  /// @brief Unchecked element access (plain kind, host-accessible spaces).
  template <class... I>
  T &operator()(I... idx) const noexcept
    requires(Space::host_accessible && !memory_type::is_atomic && sizeof...(I) == N)
  {
    return mem_.data()[view().linear(idx...)];
  }
  /// @brief A checked reference to one element: invalid_argument naming the index if outside the array.
  template <class... I>
  Result<ref_type> ref(I... idx) const
    requires(sizeof...(I) == N)
  {
    const std::size_t is[N] = {static_cast<std::size_t>(idx)...};
    for (std::size_t d = 0; d < N; ++d) {
      if (is[d] >= dims_[d]) {
        return Error(Errc::invalid_argument, "Array: index " + std::to_string(is[d]) + " of dimension " + std::to_string(d) +
                                                 " is outside its " + std::to_string(dims_[d]) + " elements");
      }
    }
    return memoryref(mem_, view().linear(idx...));
  }

  // ---- one-dimensional growth ----
  T *begin() const noexcept requires(N == 1) { return data(); }
  T *end() const noexcept requires(N == 1) { return data() + dims_[0]; }
  /// @brief Elements the array holds before it must grow.
  std::size_t capacity() const noexcept requires(N == 1) { return mem_.size(); }
  /// @brief Room for @p n elements. out_of_memory / unsupported (foreign memory) leave it unchanged.
  Result<void> reserve(std::size_t n) requires(N == 1) {
    if (n <= mem_.size()) return success();
    if (auto grown = expand(mem_, n)) {
      mem_ = std::move(*grown);
      return success();
    }
    return move_to(n);
  }
  Result<void> push_back(const T &v) requires(N == 1 && !memory_type::is_atomic) {
    const std::size_t n = dims_[0];
    if (n == mem_.size()) {
      const T copy = v;  // v may live in the storage that growth replaces
      const std::size_t want = n < 4 ? 4 : n * 2;
      memory_type wider = expand_upto(mem_, want);  // any room in place will do
      if (wider.size() > n) {
        mem_ = std::move(wider);
      } else if (auto moved = move_to(want); !moved) {
        return moved;
      }
      mem_.data()[n] = copy;
    } else {
      mem_.data()[n] = v;
    }
    dims_[0] = n + 1;
    return success();
  }
  /// @return false (nothing changed) when the array is empty.
  bool pop_back() noexcept requires(N == 1) {
    if (dims_[0] == 0) return false;
    --dims_[0];
    return true;
  }

 private:
  Array(memory_type m, std::array<std::size_t, N> d) noexcept : mem_(std::move(m)), dims_(d) {}
  /// Moves the elements to a new Memory of @p n from the allocator create() used.
  Result<void> move_to(std::size_t n) {
    if (!grow_) return Error(Errc::unsupported, "Array: made from existing memory, it has no allocator to grow from");
    auto moved = grow_(alloc_, n);
    if (!moved) return moved.error();
    if (dims_[0]) detail::copy_bytes(moved->data(), mem_.data(), dims_[0] * sizeof(T));
    mem_ = std::move(*moved);
    return success();
  }
  /// The element count, or SIZE_MAX when it overflows (which no allocation satisfies).
  static std::size_t product(const std::array<std::size_t, N> &d) noexcept {
    std::size_t n = 1;
    for (std::size_t x : d) {
      if (__builtin_mul_overflow(n, x, &n)) return ~std::size_t{0};
    }
    return n;
  }
  template <class A>
  static Result<memory_type> allocate_from(void *alloc, std::size_t n) {
    return memory_type::allocate(*static_cast<A *>(alloc), n);
  }

  memory_type mem_;
  std::array<std::size_t, N> dims_{};
  void *alloc_ = nullptr;  ///< what create() allocated from, for growth
  Result<memory_type> (*grow_)(void *, std::size_t) = nullptr;
};

}  // namespace unimem
