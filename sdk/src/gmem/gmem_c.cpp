// gmem.h: the C functions over gmem.hpp, errors as negative errno values.
#include "unimem/gmem/gmem.h"

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <new>
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

// The Streams behind C's stream pointers: host streams handed out by unimemStreamCreateHost, and
// wrappers of native GPU streams, made at a pointer's first use and kept so that later calls share
// its order and its pending errors (unimemStreamDestroy drops a wrapper; the native stream stays).
struct CStreams {
  std::mutex m;
  std::unordered_map<void *, std::unique_ptr<Stream>> live;
};
CStreams &c_streams() {
  static CStreams s;
  return s;
}

// NULL: the null stream; a known pointer: its Stream; else a native stream of the first GPU runtime
// that has a device.
Result<Stream> stream_of(void *handle) {
  if (handle == nullptr) return Stream{};
  auto &cs = c_streams();
  std::lock_guard lock(cs.m);
  if (auto it = cs.live.find(handle); it != cs.live.end()) return *it->second;
  if (const auto *ops = gmem::detail::runtime_with_device()) {
    auto wrapped = std::make_unique<Stream>(ops->wrap_stream(handle));  // first: a throw leaves no empty entry
    return *cs.live.emplace(handle, std::move(wrapped)).first->second;
  }
  return Error(Errc::invalid_argument, "stream is neither NULL, a unimem host stream, nor a GPU stream");
}

// No C++ exception (bad_alloc from a map or an error message, system_error from a thread) may
// cross into C: it becomes an errno value.
template <class F>
int guarded(F &&f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc &) {
    return -ENOMEM;
  } catch (...) {
    return -EIO;
  }
}

}  // namespace

extern "C" {

int gmemFreeEager(unsigned long addr, size_t size, void *stream) {
  return guarded([&] {
    auto s = stream_of(stream);
    if (!s) return status(s);
    return status(gmem::free_eager(reinterpret_cast<void *>(addr), size, *s, {.page_size = page_size()}));
  });
}

int gmemPrefetch(unsigned long addr, size_t size, int hnid, void *stream) {
  return guarded([&] {
    auto s = stream_of(stream);
    if (!s) return status(s);
    return status(gmem::prefetch(reinterpret_cast<const void *>(addr), size, hnid, *s, {.page_size = page_size()}));
  });
}

int gmemGetNumaId(void) {
  return guarded([] {
    auto id = gmem::numa_id();
    return id ? *id : status(id);
  });
}

void *unimemStreamCreateHost(void) {
  void *handle = nullptr;
  (void)guarded([&] {
    auto s = Stream::host();
    if (!s) return status(s);
    auto owned = std::make_unique<Stream>(*std::move(s));
    auto &cs = c_streams();
    std::lock_guard lock(cs.m);
    // The address may still key the wrapper of a stale pointer once passed as a native stream:
    // the new stream replaces it (it must never be dropped while its handle is returned).
    void *key = owned.get();
    cs.live.insert_or_assign(key, std::move(owned));
    handle = key;
    return 0;
  });
  return handle;
}

int unimemStreamSynchronize(void *stream) {
  return guarded([&] {
    auto s = stream_of(stream);
    if (!s) return status(s);
    return status(s->synchronize());
  });
}

int unimemStreamDestroy(void *stream) {
  return guarded([&] {
    std::unique_ptr<Stream> owned;
    {
      auto &cs = c_streams();
      std::lock_guard lock(cs.m);
      auto it = cs.live.find(stream);
      if (it == cs.live.end()) return -EINVAL;
      owned = std::move(it->second);
      cs.live.erase(it);
    }
    return status(owned->synchronize());
  });
}

}  // extern "C"
