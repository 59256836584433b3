// Error and Result<T>: how every host API reports failure. A Result holds either a value or an Error
// (a code plus a message that names the offending value). Code that a kernel may run never uses
// these; it returns null / a status instead (see STYLE.md, principle 6).
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace unimem {

/// Error codes. The numeric values are stable. (gmem.h, the libgmem-compatible C API, returns negative
/// errno values instead, as libgmem does; its header gives the mapping.)
enum class Errc : int {
  ok = 0,
  invalid_argument = 1,   ///< a parameter is out of its documented domain
  out_of_memory = 2,      ///< the OS, a device or a region has no room for the request
  not_found = 3,          ///< a named region, id or entry does not exist
  already_exists = 4,     ///< creating something whose name or id is taken
  permission_denied = 5,  ///< the OS refused access (EACCES / EPERM)
  corrupt = 6,            ///< a region header or structure fails its integrity check
  version_mismatch = 7,   ///< a region written by an incompatible layout version
  truncated = 8,          ///< a region is smaller than its header says
  no_device = 9,          ///< no GPU, no driver, the runtime cannot reach one, or an id names no node
  unsupported = 10,       ///< compiled out or not available on this machine
  busy = 11,              ///< in use / not ready yet; retrying may succeed
  io_error = 12,          ///< an OS call failed for another reason (the message has errno)
  device_error = 13,      ///< a GPU runtime call failed (the message has the runtime's name)
  capacity_exceeded = 14, ///< a fixed table (ids, slots) is full
  bad_address = 15,       ///< an address range is not (entirely) mapped in this process
};

/// @brief Short stable name of an error code, e.g. "invalid_argument".
std::string_view errc_name(Errc code) noexcept;

class Error {
 public:
  Error(Errc code, std::string message) : code_(code), message_(std::move(message)) {}

  Errc code() const noexcept { return code_; }
  const std::string &message() const noexcept { return message_; }
  /// @brief "code_name: message", for logs and test failures.
  std::string what() const;

  /// @brief An error with errno's description appended: "<message>: <strerror(err)>".
  static Error from_errno(Errc code, std::string message, int err);
  /// @brief invalid_argument "<type>::<call>: a moved-from <type>", for objects whose state moved away.
  static Error moved_from(std::string_view type, std::string_view call);

 private:
  Errc code_;
  std::string message_;
};

/// Thrown only by Result::value() on an error, like std::bad_expected_access.
class BadResultAccess : public std::exception {
 public:
  explicit BadResultAccess(Error e) : error_(std::move(e)), what_(error_.what()) {}
  const char *what() const noexcept override { return what_.c_str(); }
  const Error &error() const noexcept { return error_; }

 private:
  Error error_;
  std::string what_;
};

/// @brief A value of type T or an Error. Check with ok() / operator bool before using the value.
template <class T>
class [[nodiscard]] Result {
  static_assert(!std::is_reference_v<T>, "Result<T&> is not supported; use Result<T*>");
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Error>, "Result<Error> is ambiguous");

 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T &value() & { check(); return std::get<0>(v_); }
  const T &value() const & { check(); return std::get<0>(v_); }
  T &&value() && { check(); return std::get<0>(std::move(v_)); }
  T &operator*() & { return value(); }
  const T &operator*() const & { return value(); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }

  template <class U>
  T value_or(U &&fallback) const & {
    return ok() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

  /// @brief The error; calling it on a success is a logic error (checked).
  const Error &error() const & {
    if (ok()) throw std::logic_error("unimem::Result::error() called on a success");
    return std::get<1>(v_);
  }
  Errc code() const noexcept { return ok() ? Errc::ok : std::get<1>(v_).code(); }

 private:
  void check() const {
    if (!ok()) throw BadResultAccess(std::get<1>(v_));
  }
  std::variant<T, Error> v_;
};

/// Result of an operation that has no value.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::in_place, std::move(error)) {}

  bool ok() const noexcept { return !error_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  void value() const {
    if (!ok()) throw BadResultAccess(*error_);
  }
  const Error &error() const & {
    if (ok()) throw std::logic_error("unimem::Result::error() called on a success");
    return *error_;
  }
  Errc code() const noexcept { return ok() ? Errc::ok : error_->code(); }

 private:
  std::optional<Error> error_;
};

/// @brief Success of a Result<void>, for readability at return sites.
inline Result<void> success() { return {}; }

}  // namespace unimem
