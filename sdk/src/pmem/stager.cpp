#include "unimem/pmem/stager.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "memcpy_nt_isa.hpp"
#include "unimem/core/align.hpp"

namespace unimem::pmem {

Result<Stager> Stager::create(Stream stream, StagingOptions options) {
  if (options.chunk_bytes == 0) return Error(Errc::invalid_argument, "Stager: chunk_bytes is 0");
  if (options.buffers != 2 && options.buffers != 3) {
    return Error(Errc::invalid_argument,
                 "Stager: " + std::to_string(options.buffers) + " buffers; double (2) or triple (3) buffering");
  }
  if (options.chunk_bytes > (std::size_t{1} << 40)) {
    return Error(Errc::invalid_argument, "Stager: chunk_bytes " + std::to_string(options.chunk_bytes) + " is above 1 TiB");
  }
  options.chunk_bytes = align_up(options.chunk_bytes, 4096);
  Stager s(std::move(stream), options);
  for (unsigned i = 0; i < options.buffers; ++i) {
    auto p = s.stream_.alloc_host(options.chunk_bytes);
    if (!p) return p.error();
    s.buffers_.push_back(Buffer{*p, {}});
  }
  return s;
}

Stager::Stager(Stager &&o) noexcept
    : stream_(std::move(o.stream_)), options_(o.options_), buffers_(std::exchange(o.buffers_, {})) {}

Stager::~Stager() {
  if (buffers_.empty()) return;
  // Waits for the buffers only: an error of the stream stays for its owner's synchronize().
  for (Buffer &b : buffers_) {
    if (b.free.valid()) (void)b.free.synchronize();
    stream_.free_host(b.data);
  }
}

Result<void> Stager::stage(void *dst, const void *src, std::size_t n) {
  if (n == 0) return success();
  if (dst == nullptr || src == nullptr) return Error(Errc::invalid_argument, "Stager::stage: null address");
  if (buffers_.empty()) return Error(Errc::invalid_argument, "Stager::stage: a moved-from stager has no buffers");
  auto *d = static_cast<char *>(dst);
  const auto *s = static_cast<const char *>(src);
  for (std::size_t at = 0, k = 0; at < n; at += options_.chunk_bytes, ++k) {
    Buffer &b = buffers_[k % buffers_.size()];
    const std::size_t len = std::min(options_.chunk_bytes, n - at);
    if (b.free.valid()) {
      if (auto ok = b.free.synchronize(); !ok) return ok;
    }
    detail::copy_parallel(b.data, s + at, len, options_.copy_threads, /*streaming=*/true);
    if (auto ok = stream_.copy(d + at, b.data, len); !ok) return ok;
    auto e = stream_.record();
    if (!e) {
      (void)stream_.synchronize();  // without an event, only this tells when the buffer is free again
      return e.error();
    }
    b.free = std::move(*e);
  }
  return success();
}

}  // namespace unimem::pmem
