// ArrayBackend: a region in memory the caller already owns (a static buffer, a mapping of its own).
// create() writes a fresh header and zeroes the first data line (a heap there is gone: use attach()
// for memory that holds a region); attach() validates one written earlier (e.g. memory another
// component filled). The caller keeps ownership: unimem never frees it.
#pragma once

#include <memory>

#include "unimem/memory/backend/memory_backend.hpp"

namespace unimem {

class ArrayBackend final : public MemoryBackend {
 public:
  /// @param memory at least 64-byte aligned; @param bytes the whole buffer, header included.
  static Result<std::unique_ptr<ArrayBackend>> create(void *memory, std::size_t bytes);
  static Result<std::unique_ptr<ArrayBackend>> attach(void *memory, std::size_t bytes);
  Result<void> destroy() override;

 private:
  ArrayBackend() = default;
};

}  // namespace unimem
