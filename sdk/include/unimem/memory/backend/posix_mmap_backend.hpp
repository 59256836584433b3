// PosixMmapBackend: a private anonymous mapping (mmap MAP_PRIVATE | MAP_ANONYMOUS). Pages are
// committed on first touch, so a large region costs nothing until used.
#pragma once

#include <memory>

#include "unimem/memory/backend/memory_backend.hpp"

namespace unimem {

class PosixMmapBackend final : public MemoryBackend {
 public:
  static Result<std::unique_ptr<PosixMmapBackend>> create(std::size_t data_bytes);
  Result<void> destroy() override;
  ~PosixMmapBackend() override;

 private:
  PosixMmapBackend() = default;
};

}  // namespace unimem
