// pair<T1, T2>: std::pair for host and device code. Trivially copyable when both members are, so
// it can live in a shared region and be read in place; supports structured bindings.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "unimem/core/config.hpp"

namespace unimem {

template <class T1, class T2>
struct pair {
  using first_type = T1;
  using second_type = T2;

  T1 first;
  T2 second;

  pair() = default;
  template <class U1, class U2>
  UNIMEM_HOST_DEVICE constexpr pair(U1 &&a, U2 &&b) : first(static_cast<U1 &&>(a)), second(static_cast<U2 &&>(b)) {}
  template <class U1, class U2>
  UNIMEM_HOST_DEVICE constexpr pair(const pair<U1, U2> &p) : first(p.first), second(p.second) {}
  template <class U1, class U2>
  constexpr pair(const std::pair<U1, U2> &p) : first(p.first), second(p.second) {}

  UNIMEM_HOST_DEVICE friend constexpr bool operator==(const pair &a, const pair &b) {
    return a.first == b.first && a.second == b.second;
  }
};

template <class T1, class T2>
pair(T1, T2) -> pair<T1, T2>;

template <std::size_t I, class T1, class T2>
UNIMEM_HOST_DEVICE constexpr auto &get(pair<T1, T2> &p) noexcept {
  if constexpr (I == 0) return p.first; else return p.second;
}
template <std::size_t I, class T1, class T2>
UNIMEM_HOST_DEVICE constexpr const auto &get(const pair<T1, T2> &p) noexcept {
  if constexpr (I == 0) return p.first; else return p.second;
}
template <std::size_t I, class T1, class T2>
UNIMEM_HOST_DEVICE constexpr auto &&get(pair<T1, T2> &&p) noexcept {
  if constexpr (I == 0) return static_cast<T1 &&>(p.first); else return static_cast<T2 &&>(p.second);
}

static_assert(std::is_trivially_copyable_v<pair<int, double>>);

}  // namespace unimem

namespace std {
template <class T1, class T2>
struct tuple_size<unimem::pair<T1, T2>> : integral_constant<size_t, 2> {};
template <size_t I, class T1, class T2>
struct tuple_element<I, unimem::pair<T1, T2>> {
  using type = conditional_t<I == 0, T1, T2>;
};
}  // namespace std
