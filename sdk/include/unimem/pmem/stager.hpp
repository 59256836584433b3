// Stager: brings data from PMEM (or any host memory) to where a stream's copies go, through a ring of
// 2 or 3 host buffers that the stream copies from at full speed (page-locked for a GPU stream):
//
//   chunk k:  wait for buffer k % B to be free (its event) -> memcpy_nt_parallel(src chunk -> buffer)
//             -> stream.copy(buffer -> dst chunk) -> record the buffer's event
//
// so the CPU copy of chunk k+1 overlaps the stream's copy (the DMA on a GPU) of chunk k. On a GPU
// stream dst is device (or managed) memory; on a host stream or the null stream it is host memory,
// which is how CI runs the same pipeline without a GPU.
//
// Thread safety: one stage() at a time per Stager (its buffers are its own); several Stagers may run
// concurrently and share the copy threads.
#pragma once

#include <cstddef>
#include <vector>

#include "unimem/core/error.hpp"
#include "unimem/stream/stream.hpp"

namespace unimem::pmem {

struct StagingOptions {
  std::size_t chunk_bytes = std::size_t{8} << 20;  ///< bytes per buffer (rounded up to 4 KiB)
  unsigned buffers = 2;                            ///< 2 (double) or 3 (triple buffering)
  unsigned copy_threads = 0;                       ///< for memcpy_nt_parallel; 0: measured
};

class Stager {
 public:
  /// @brief A stager whose copies go on @p stream, with its buffers allocated now.
  /// @return invalid_argument for a chunk of 0 bytes or a buffer count other than 2 or 3;
  ///         out_of_memory / device_error when the buffers cannot be allocated.
  static Result<Stager> create(Stream stream, StagingOptions options = {});

  /// A moved-from stager has no buffers: stage() is invalid_argument.
  Stager(Stager &&o) noexcept;
  Stager &operator=(Stager &&) = delete;
  Stager(const Stager &) = delete;
  /// @brief Waits for the copies in flight, then frees the buffers.
  ~Stager();

  /// @brief Copies @p n bytes from host memory @p src to @p dst through the buffers. Returns once the
  /// last chunk's copy is enqueued: src may be reused then, dst is complete after the stream's next
  /// synchronize() (which also reports an error that happened on the way).
  Result<void> stage(void *dst, const void *src, std::size_t n);

  const Stream &stream() const noexcept { return stream_; }
  const StagingOptions &options() const noexcept { return options_; }

 private:
  struct Buffer {
    void *data = nullptr;
    Event free;  // complete when the stream has read the buffer
  };
  Stager(Stream stream, StagingOptions options) noexcept : stream_(std::move(stream)), options_(options) {}

  Stream stream_;
  StagingOptions options_;
  std::vector<Buffer> buffers_;
};

}  // namespace unimem::pmem
