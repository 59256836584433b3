// PosixShmBackend: a named region in POSIX shared memory (shm_open + mmap MAP_SHARED), which any
// process of the machine may attach by name. Names follow shm_open: an optional leading '/', then
// 1..254 characters without '/'.
// create() uses O_CREAT | O_EXCL (an existing name is an error, never reused silently) and mode
// 0600 unless told otherwise; it also checks that /dev/shm has room, because a write beyond what
// tmpfs can hold would kill the process with SIGBUS.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string_view>

#include "unimem/memory/backend/memory_backend.hpp"

namespace unimem {

struct ShmOptions {
  mode_t mode = 0600;
  /// Allocate every page now (posix_fallocate), so later writes can never fail for lack of tmpfs space.
  bool reserve = false;
};

class PosixShmBackend : public MemoryBackend {
 public:
  static Result<std::unique_ptr<PosixShmBackend>> create(std::string_view name, std::size_t data_bytes,
                                                         ShmOptions options = {});
  static Result<std::unique_ptr<PosixShmBackend>> attach(std::string_view name);
  /// @brief Removes a region's name without attaching (like shm_unlink); processes attached keep it.
  static Result<void> remove(std::string_view name);
  /// @brief Checks a name against the rules above; returns it with its leading '/'.
  static Result<std::string> normalize_name(std::string_view name);

  Result<void> destroy() override;
  ~PosixShmBackend() override;

 protected:
  PosixShmBackend() = default;
  /// Maps (and for create, initialises) the region; shared with the GPU-registered subclasses.
  Result<void> create_region(std::string_view name, std::size_t data_bytes, ShmOptions options, BackendKind kind);
  Result<void> attach_region(std::string_view name);
  void unmap() noexcept;

 private:
  /// The shm object this handle created or attached; destroy() removes the name only while it still names it.
  struct Identity {
    dev_t dev = 0;
    ino_t ino = 0;
    bool operator==(const Identity &) const = default;
  };
  Identity identity_;
};

}  // namespace unimem
