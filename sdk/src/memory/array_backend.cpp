#include "unimem/memory/backend/array_backend.hpp"

#include <string>

#include "unimem/core/align.hpp"

namespace unimem {

namespace {
Result<void> check_buffer(const void *memory, std::size_t bytes) {
  if (!memory) return Error(Errc::invalid_argument, "array backend memory is null");
  if (!is_aligned(memory, 64)) {
    return Error(Errc::invalid_argument, "array backend memory " + std::to_string(reinterpret_cast<std::uintptr_t>(memory)) +
                                             " is not 64-byte aligned");
  }
  if (bytes <= RegionHeader::kHeaderBytes) {
    return Error(Errc::invalid_argument, "array backend of " + std::to_string(bytes) + " bytes has no room after the " +
                                             std::to_string(RegionHeader::kHeaderBytes) + "-byte header");
  }
  return success();
}
}  // namespace

Result<std::unique_ptr<ArrayBackend>> ArrayBackend::create(void *memory, std::size_t bytes) {
  if (auto ok = check_buffer(memory, bytes); !ok) return ok.error();
  if (bytes > RegionHeader::kMaxRegionBytes) return Error(Errc::invalid_argument, "array backend size is absurd");
  std::unique_ptr<ArrayBackend> b(new ArrayBackend);
  b->init_created(static_cast<char *>(memory), bytes, BackendKind::array);
  return b;
}

Result<std::unique_ptr<ArrayBackend>> ArrayBackend::attach(void *memory, std::size_t bytes) {
  if (auto ok = check_buffer(memory, bytes); !ok) return ok.error();
  const auto &h = *static_cast<const RegionHeader *>(memory);
  if (auto ok = validate_region_header(h, bytes, "array region"); !ok) return ok.error();
  std::unique_ptr<ArrayBackend> b(new ArrayBackend);
  b->header_ = h;
  b->view_ = RegionView{static_cast<char *>(memory), nullptr, h.region_bytes};
  return b;
}

Result<void> ArrayBackend::destroy() {
  view_ = {};
  return success();
}

}  // namespace unimem
