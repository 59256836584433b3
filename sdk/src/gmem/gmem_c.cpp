// gmem.h: the C functions over gmem.hpp, errors as negative errno values.
#include "unimem/gmem/gmem.h"

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "gpu_memory_ops.hpp"
#include "unimem/gmem/gmem.hpp"

using namespace unimem;

namespace {

int to_errno(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return 0;
    case Errc::invalid_argument: return -EINVAL;
    case Errc::bad_address: return -EFAULT;
    case Errc::no_device: return -ENODEV;
    case Errc::unsupported: return -ENOTSUP;
    case Errc::out_of_memory: return -ENOMEM;
    default: return -EIO;
  }
}

template <class T>
int status(const Result<T> &r) noexcept {
  return to_errno(r.code());
}

// UNIMEM_GMEM_PAGE_SIZE at the first call; 0 (invalid, so every call fails with -EINVAL) if unparsable.
std::size_t page_size() {
  static const std::size_t page = [] {
    const char *s = std::getenv("UNIMEM_GMEM_PAGE_SIZE");
    if (s == nullptr || *s == '\0') return gmem::kDefaultPageSize;
    char *end = nullptr;
    const unsigned long long v = std::strtoull(s, &end, 0);
    return *end == '\0' ? static_cast<std::size_t>(v) : std::size_t{0};
  }();
  return page;
}

// Host streams handed out to C, keyed by the opaque pointer the caller holds.
struct HostStreams {
  std::mutex m;
  std::unordered_map<void *, std::unique_ptr<Stream>> live;
};
HostStreams &host_streams() {
  static HostStreams s;
  return s;
}

// NULL: the null stream; a host stream of ours; else a native stream of the first runtime with a device.
Result<Stream> stream_of(void *handle) {
  if (handle == nullptr) return Stream{};
  {
    auto &hs = host_streams();
    std::lock_guard lock(hs.m);
    if (auto it = hs.live.find(handle); it != hs.live.end()) return *it->second;
  }
  for (const auto *ops : gmem::detail::gpu_memory_ops()) {
    if (!ops->devices().empty()) return ops->wrap_stream(handle);
  }
  return Error(Errc::invalid_argument, "stream is neither NULL, a unimem host stream, nor a GPU stream");
}

}  // namespace

extern "C" {

int gmemFreeEager(unsigned long addr, size_t size, void *stream) {
  auto s = stream_of(stream);
  if (!s) return status(s);
  return status(gmem::free_eager(reinterpret_cast<void *>(addr), size, *s, {.page_size = page_size()}));
}

int gmemPrefetch(unsigned long addr, size_t size, int hnid, void *stream) {
  auto s = stream_of(stream);
  if (!s) return status(s);
  return status(gmem::prefetch(reinterpret_cast<const void *>(addr), size, hnid, *s, {.page_size = page_size()}));
}

int gmemGetNumaId(void) {
  auto id = gmem::numa_id();
  return id ? *id : status(id);
}

void *unimemStreamCreateHost(void) {
  auto s = Stream::host();
  if (!s) return nullptr;
  auto owned = std::make_unique<Stream>(*std::move(s));
  void *handle = owned.get();
  auto &hs = host_streams();
  std::lock_guard lock(hs.m);
  hs.live.emplace(handle, std::move(owned));
  return handle;
}

int unimemStreamSynchronize(void *stream) {
  auto s = stream_of(stream);
  if (!s) return status(s);
  return status(s->synchronize());
}

int unimemStreamDestroy(void *stream) {
  std::unique_ptr<Stream> owned;
  {
    auto &hs = host_streams();
    std::lock_guard lock(hs.m);
    auto it = hs.live.find(stream);
    if (it == hs.live.end()) return -EINVAL;
    owned = std::move(it->second);
    hs.live.erase(it);
  }
  return status(owned->synchronize());
}

}  // extern "C"
