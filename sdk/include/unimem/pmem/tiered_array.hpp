// TieredArray<T>: a typed handle to one array of a TierManager (see tier_manager.hpp for the
// policy), and TierView<T>, the pinned view through which its data is read or written.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include "unimem/core/error.hpp"

namespace unimem::pmem {

class TierManager;
namespace detail {
struct TierBlock;
void *tier_acquire(TierBlock &b, bool write, bool &in_dram);
void tier_release(TierBlock &b) noexcept;
}  // namespace detail

/// A view of a tiered array's data where it is now; the array stays there while the view lives.
template <class T>
class TierView {
 public:
  TierView(TierView &&o) noexcept : data_(o.data_), n_(o.n_), b_(std::exchange(o.b_, nullptr)), in_dram_(o.in_dram_) {}
  TierView &operator=(TierView &&) = delete;
  TierView(const TierView &) = delete;
  ~TierView() {
    if (b_ != nullptr) detail::tier_release(*b_);
  }

  T *data() const noexcept { return data_; }
  std::size_t size() const noexcept { return n_; }
  T &operator[](std::size_t i) const noexcept { return data_[i]; }
  T *begin() const noexcept { return data_; }
  T *end() const noexcept { return data_ + n_; }
  std::span<T> span() const noexcept { return {data_, n_}; }
  /// @brief Whether the view shows the DRAM copy (else the PMEM home).
  bool in_dram() const noexcept { return in_dram_; }

 private:
  template <class>
  friend class TieredArray;
  TierView() noexcept : n_(0), b_(nullptr) {}  // of an empty handle: no data
  TierView(detail::TierBlock &b, std::size_t n, bool write) : n_(n), b_(&b) {
    data_ = static_cast<T *>(detail::tier_acquire(b, write, in_dram_));
  }
  T *data_ = nullptr;
  std::size_t n_;
  detail::TierBlock *b_;
  bool in_dram_ = false;
};

template <class T>
class TieredArray {
  static_assert(std::is_trivially_copyable_v<T>, "tiered arrays move their elements as bytes");
  static_assert(alignof(T) <= 64, "tiered arrays' copies are 64-byte aligned");

 public:
  /// An empty handle (as is a moved-from one): no data, cached() and dirty() are false, prefetch()
  /// and evict() are invalid_argument, views are empty.
  TieredArray() noexcept = default;
  TieredArray(TieredArray &&o) noexcept : b_(std::exchange(o.b_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  TieredArray &operator=(TieredArray &&o) noexcept {
    if (this != &o) {
      reset();
      b_ = std::exchange(o.b_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  TieredArray(const TieredArray &) = delete;
  TieredArray &operator=(const TieredArray &) = delete;
  ~TieredArray() { reset(); }

  std::size_t size() const noexcept { return n_; }
  std::size_t bytes() const noexcept { return n_ * sizeof(T); }
  bool cached() const;
  bool dirty() const;

  /// @brief Brings the array to DRAM (nothing to do if it is there).
  /// @return capacity_exceeded when it is larger than the budget or every other copy is pinned;
  ///         busy when a view of its PMEM home is live.
  Result<void> prefetch();
  /// @brief Writes back if dirty and drops the DRAM copy (nothing to do if there is none).
  /// @return busy while a view of the DRAM copy is live.
  Result<void> evict();
  /// @brief Marks the DRAM copy as the first to go when room is needed.
  void soft_evict();

  TierView<const T> read() const { return b_ ? TierView<const T>(*b_, n_, false) : TierView<const T>(); }
  TierView<T> write() { return b_ ? TierView<T>(*b_, n_, true) : TierView<T>(); }

 private:
  friend class TierManager;
  TieredArray(detail::TierBlock *b, std::size_t n) noexcept : b_(b), n_(n) {}
  void reset() noexcept;

  detail::TierBlock *b_ = nullptr;
  std::size_t n_ = 0;
};

}  // namespace unimem::pmem

#include "unimem/pmem/tier_manager.hpp"

namespace unimem::pmem {

namespace detail {
inline Error empty_tiered_array(const char *what) {
  return Error(Errc::invalid_argument, std::string("TieredArray::") + what + ": empty handle (default-constructed or moved from)");
}
}  // namespace detail

template <class T>
bool TieredArray<T>::cached() const {
  return b_ != nullptr && b_->manager->cached(*b_);
}
template <class T>
bool TieredArray<T>::dirty() const {
  return b_ != nullptr && b_->manager->dirty(*b_);
}
template <class T>
Result<void> TieredArray<T>::prefetch() {
  return b_ ? b_->manager->prefetch(*b_) : detail::empty_tiered_array("prefetch");
}
template <class T>
Result<void> TieredArray<T>::evict() {
  return b_ ? b_->manager->evict(*b_) : detail::empty_tiered_array("evict");
}
template <class T>
void TieredArray<T>::soft_evict() {
  if (b_ != nullptr) b_->manager->soft_evict(*b_);
}
template <class T>
void TieredArray<T>::reset() noexcept {
  if (b_ != nullptr) b_->manager->destroy(std::exchange(b_, nullptr));
}

}  // namespace unimem::pmem
