#include "unimem/core/error.hpp"

#include <cstring>

namespace unimem {

std::string_view errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::out_of_memory: return "out_of_memory";
    case Errc::not_found: return "not_found";
    case Errc::already_exists: return "already_exists";
    case Errc::permission_denied: return "permission_denied";
    case Errc::corrupt: return "corrupt";
    case Errc::version_mismatch: return "version_mismatch";
    case Errc::truncated: return "truncated";
    case Errc::no_device: return "no_device";
    case Errc::unsupported: return "unsupported";
    case Errc::busy: return "busy";
    case Errc::io_error: return "io_error";
    case Errc::device_error: return "device_error";
    case Errc::capacity_exceeded: return "capacity_exceeded";
    case Errc::bad_address: return "bad_address";
  }
  return "unknown";
}

std::string Error::what() const {
  std::string s(errc_name(code_));
  s += ": ";
  s += message_;
  return s;
}

Error Error::moved_from(std::string_view type, std::string_view call) {
  std::string t(type);
  return Error(Errc::invalid_argument, t + "::" + std::string(call) + ": a moved-from " + t);
}

Error Error::from_errno(Errc code, std::string message, int err) {
  message += ": ";
  message += std::strerror(err);
  return Error(code, std::move(message));
}

}  // namespace unimem
