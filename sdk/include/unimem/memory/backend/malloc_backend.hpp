// MallocBackend: a private region from the C heap (aligned_alloc, 4 KiB aligned).
#pragma once

#include <memory>

#include "unimem/memory/backend/memory_backend.hpp"

namespace unimem {

class MallocBackend final : public MemoryBackend {
 public:
  static Result<std::unique_ptr<MallocBackend>> create(std::size_t data_bytes);
  Result<void> destroy() override;
  ~MallocBackend() override;

 private:
  MallocBackend() = default;
};

}  // namespace unimem
