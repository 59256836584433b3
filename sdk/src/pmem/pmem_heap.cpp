#include "unimem/pmem/pmem_heap.hpp"

#include <memkind.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "../core/os_file.hpp"

namespace unimem::pmem {

namespace {

std::string memkind_message(int err) {
  char msg[MEMKIND_ERROR_MESSAGE_SIZE] = {};
  memkind_error_message(err, msg, sizeof msg);
  return msg;
}

}  // namespace

Result<PmemHeap> PmemHeap::create(std::string_view dir, std::size_t max_bytes) {
  const std::string d(dir);
  struct stat st {};
  if (d.empty()) return Error(Errc::invalid_argument, "pmem heap: the directory is empty");
  if (stat(d.c_str(), &st) != 0) {
    return Error::from_errno(errno == ENOENT ? Errc::not_found : Errc::io_error, "pmem heap: directory '" + d + "'", errno);
  }
  if (!S_ISDIR(st.st_mode)) return Error(Errc::invalid_argument, "pmem heap: '" + d + "' is not a directory");
  if (max_bytes != 0 && max_bytes < kMinBytes) {
    return Error(Errc::invalid_argument, "pmem heap: a limit of " + std::to_string(max_bytes) +
                                             " bytes is below memkind's minimum of " + std::to_string(kMinBytes));
  }
  memkind_t kind = nullptr;
  errno = 0;
  if (int err = memkind_create_pmem(d.c_str(), max_bytes, &kind); err != MEMKIND_SUCCESS) {
    // memkind says "invalid input" for any failure of its temporary file; errno then says why.
    const int file_err = err == MEMKIND_ERROR_INVALID ? errno : 0;
    const std::string what = "pmem heap: memkind_create_pmem('" + d + "'): " + memkind_message(err);
    return file_err != 0 ? Error::from_errno(unimem::detail::errc_of_file_errno(file_err), what, file_err)
                         : Error(Errc::unsupported, what);
  }
  return PmemHeap(kind, d, max_bytes);
}

PmemHeap &PmemHeap::operator=(PmemHeap &&o) noexcept {
  if (this != &o) {
    if (kind_ != nullptr) memkind_destroy_kind(kind_);
    kind_ = std::exchange(o.kind_, nullptr);
    dir_ = std::move(o.dir_);
    max_ = o.max_;
  }
  return *this;
}

PmemHeap::~PmemHeap() {
  if (kind_ != nullptr) memkind_destroy_kind(kind_);
}

// A moved-from heap has no kind, and memkind dereferences the kind it is given (a null kind would
// also mean "the whole process" to its statistics): its calls allocate nothing and free nothing.
void *PmemHeap::malloc(std::size_t size) noexcept {
  return size == 0 || kind_ == nullptr ? nullptr : memkind_malloc(kind_, size);
}

void *PmemHeap::calloc(std::size_t count, std::size_t size) noexcept {
  // memkind multiplies without an overflow check.
  if (kind_ == nullptr || count == 0 || size == 0 || count > SIZE_MAX / size) return nullptr;
  return memkind_calloc(kind_, count, size);
}

void *PmemHeap::realloc(void *block, std::size_t size) noexcept {
  return kind_ == nullptr ? nullptr : memkind_realloc(kind_, block, size);
}

void *PmemHeap::aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  void *p = nullptr;
  if (kind_ == nullptr || size == 0 || memkind_posix_memalign(kind_, &p, alignment, size) != 0) return nullptr;
  return p;
}

void PmemHeap::free(void *block) noexcept {
  if (block != nullptr && kind_ != nullptr) memkind_free(kind_, block);
}

std::size_t PmemHeap::usable_size(void *block) const noexcept {
  return block == nullptr || kind_ == nullptr ? 0 : memkind_malloc_usable_size(kind_, block);
}

Result<std::size_t> PmemHeap::allocated_bytes() const {
  if (kind_ == nullptr) return Error(Errc::invalid_argument, "pmem heap: moved from");
  std::size_t v = 0;
  if (int err = memkind_update_cached_stats(); err != MEMKIND_SUCCESS) {
    return Error(Errc::io_error, "pmem heap: memkind_update_cached_stats: " + memkind_message(err));
  }
  if (int err = memkind_get_stat(kind_, MEMKIND_STAT_TYPE_ALLOCATED, &v); err != MEMKIND_SUCCESS) {
    return Error(Errc::io_error, "pmem heap: memkind_get_stat: " + memkind_message(err));
  }
  return v;
}

bool is_dax_directory(std::string_view dir) noexcept {
  const std::string d(dir);
  return memkind_check_dax_path(d.c_str()) == 0;
}

}  // namespace unimem::pmem
