// basic_string<CharT, A> (string = basic_string<char>): a NUL-terminated, growable string in an
// allocator's region. It is a vector<CharT> underneath (same state layout, its own type tag) that
// keeps one more element than its size, the terminator, so c_str() is data() in every process.
//
// Concurrency, handle semantics and iterator invalidation: as vector (see vector.hpp).
// Errors: modifiers return false when the region has no room, and then change nothing; so does
// pop_back on an empty string. insert, and assign of a view into the string itself, copy the view
// first (std::basic_string) and may throw std::bad_alloc.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "unimem/containers/detail/copy.hpp"
#include "unimem/containers/vector.hpp"

namespace unimem {

template <class CharT, class A = ThreadLocalAllocator>
class basic_string {
  using chars = vector<CharT, A>;

 public:
  using value_type = CharT;
  using size_type = std::size_t;
  using iterator = CharT *;
  using const_iterator = const CharT *;
  using view_type = std::basic_string_view<CharT>;
  using state = typename chars::state;
  static constexpr size_type npos = ~size_type{0};
  static constexpr std::uint64_t kTypeTag = detail::type_tag<CharT>("unimem::basic_string.v2");  // as vector's

  basic_string() = default;

  static Result<basic_string> create(A &alloc, view_type init = {}) {
    auto v = chars::create(alloc, init.size() + 1);
    if (!v) return v.error();
    v->s_->tag = kTypeTag;
    basic_string s(*v);
    (void)s.assign(init);  // the room is reserved
    return s;
  }
  static Result<basic_string> attach(A &alloc, OffsetPtr<state> at) {
    auto s = detail::find_state(alloc, at, kTypeTag, "string");
    if (!s) return s.error();
    const chars v(*s, detail::AllocatorRef<A>(alloc));
    const char *why = chars::damage(alloc, **s);
    if (why == nullptr && (v.size() >= v.capacity() || v[v.size()] != CharT())) why = "no terminator after its characters";
    if (why != nullptr) return detail::damaged_state("string", at.offset(), why);
    return basic_string(v);
  }
  template <class B>
  UNIMEM_HOST_DEVICE basic_string<CharT, B> rebind(B &other) const noexcept {
    return basic_string<CharT, B>(v_.rebind(other));
  }
  void destroy() noexcept { v_.destroy_tagged(kTypeTag); }

  UNIMEM_HOST_DEVICE OffsetPtr<state> offset() const noexcept { return v_.offset(); }
  UNIMEM_HOST_DEVICE bool valid() const noexcept { return v_.valid(); }

  UNIMEM_HOST_DEVICE size_type size() const noexcept { return v_.size(); }
  UNIMEM_HOST_DEVICE size_type length() const noexcept { return v_.size(); }
  UNIMEM_HOST_DEVICE bool empty() const noexcept { return v_.empty(); }
  UNIMEM_HOST_DEVICE size_type capacity() const noexcept { return v_.capacity() - 1; }
  UNIMEM_HOST_DEVICE static constexpr size_type max_size() noexcept { return chars::max_size() - 1; }
  UNIMEM_HOST_DEVICE bool reserve(size_type n) noexcept { return n <= max_size() && v_.reserve(n + 1); }

  UNIMEM_HOST_DEVICE CharT *data() const noexcept { return v_.data(); }
  UNIMEM_HOST_DEVICE const CharT *c_str() const noexcept { return v_.data(); }
  UNIMEM_HOST_DEVICE CharT &operator[](size_type i) const noexcept { return v_[i]; }
  UNIMEM_HOST_DEVICE CharT &front() const noexcept { return v_.front(); }
  UNIMEM_HOST_DEVICE CharT &back() const noexcept { return v_.back(); }
  UNIMEM_HOST_DEVICE iterator begin() const noexcept { return v_.begin(); }
  UNIMEM_HOST_DEVICE iterator end() const noexcept { return v_.end(); }
  view_type view() const noexcept { return view_type(data(), size()); }
  operator view_type() const noexcept { return view(); }
  std::basic_string<CharT> str() const { return std::basic_string<CharT>(view()); }

  UNIMEM_HOST_DEVICE bool push_back(CharT c) noexcept { return append(&c, 1); }
  /// @return false (nothing changed) when the string is empty.
  UNIMEM_HOST_DEVICE bool pop_back() noexcept {
    if (empty()) return false;
    set_length(size() - 1);
    return true;
  }
  UNIMEM_HOST_DEVICE void clear() noexcept { set_length(0); }
  UNIMEM_HOST_DEVICE bool append(const CharT *p, size_type n) noexcept {
    if (n == 0) return true;
    const size_type old = size();
    if (n > max_size() - old) return false;
    if (old + n + 1 > v_.capacity()) {  // grow by doubling; p may point into the storage that moves
      const bool inside = p >= begin() && p < end();
      const size_type at = inside ? static_cast<size_type>(p - begin()) : 0;
      if (!v_.grow(old + n + 1)) return false;
      if (inside) p = begin() + at;
    }
    const CharT first = p[0];
    detail::copy_bytes(data() + old + 1, p + 1, (n - 1) * sizeof(CharT));
    lengthen(old, old + n, first);
    return true;
  }
  bool append(view_type s) noexcept { return append(s.data(), s.size()); }
  bool assign(view_type s) {
    if (s.data() >= begin() && s.data() <= end()) return assign(std::basic_string<CharT>(s));  // clear() would cut it
    if (!reserve(s.size())) return false;
    clear();
    return append(s);
  }
  basic_string &operator+=(view_type s) noexcept { (void)append(s); return *this; }
  basic_string &operator+=(CharT c) noexcept { (void)push_back(c); return *this; }
  UNIMEM_HOST_DEVICE bool resize(size_type n, CharT c = CharT()) noexcept {
    const size_type old = size();
    if (n <= old) {
      set_length(n);
      return true;
    }
    if (!reserve(n)) return false;
    CharT *d = data();
    for (size_type i = old + 1; i < n; ++i) d[i] = c;
    lengthen(old, n, c);
    return true;
  }
  /// @brief Removes up to @p n characters from @p pos (clamped to the end).
  UNIMEM_HOST_DEVICE void erase(size_type pos, size_type n = npos) noexcept {
    if (pos >= size()) return;
    if (n > size() - pos) n = size() - pos;
    // The tail moves with its terminator, so the string is terminated at either size.
    CharT *d = data();
    detail::move_bytes(d + pos, d + pos + n, (size() - pos - n + 1) * sizeof(CharT));
    detail::store_order();
    v_.set_size(size() - n);
  }
  bool insert(size_type pos, view_type s) {
    if (pos > size()) pos = size();
    const std::basic_string<CharT> tail(view().substr(pos));  // s may point into this string
    const std::basic_string<CharT> what(s);
    if (!reserve(size() + what.size())) return false;
    set_length(pos);
    (void)append(what.data(), what.size());
    (void)append(tail.data(), tail.size());
    return true;
  }

  size_type find(view_type s, size_type pos = 0) const noexcept { return view().find(s, pos); }
  size_type find(CharT c, size_type pos = 0) const noexcept { return view().find(c, pos); }
  int compare(view_type s) const noexcept { return view().compare(s); }
  std::basic_string<CharT> substr(size_type pos, size_type n = npos) const { return std::basic_string<CharT>(view().substr(pos, n)); }

  friend bool operator==(const basic_string &a, view_type b) noexcept { return a.view() == b; }
  friend bool operator==(const basic_string &a, const basic_string &b) noexcept { return a.view() == b.view(); }
  friend auto operator<=>(const basic_string &a, view_type b) noexcept { return a.view() <=> b; }

 private:
  template <class, class>
  friend class basic_string;
  UNIMEM_HOST_DEVICE explicit basic_string(chars v) noexcept : v_(v) {}

  // Every change of the size writes the terminator it needs first, so a writer killed at any point
  // of a change within the room leaves a terminated string that attach accepts (its characters as
  // far as they were written); growth is the vector's (ARCHITECTURE.md).
  UNIMEM_HOST_DEVICE void set_length(size_type n) noexcept {
    data()[n] = CharT();
    detail::store_order();
    v_.set_size(n);
  }
  /// The last step of growing from @p old to @p n characters, those after the first written: the
  /// size moves, and then @p first goes over the old terminator.
  UNIMEM_HOST_DEVICE void lengthen(size_type old, size_type n, CharT first) noexcept {
    set_length(n);
    detail::store_order();
    data()[old] = first;
  }

  chars v_;
};

using string = basic_string<char>;

}  // namespace unimem
