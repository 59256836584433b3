// MpiSession: MPI initialised for unimem's use (MPI_THREAD_MULTIPLE requested, so cache fills on
// any thread may transfer), and finalised when the session that initialised it ends. A program
// that initialises MPI itself need not use it; GlobalMemory only needs MPI initialised.
#pragma once

#include <utility>

#include "unimem/core/error.hpp"

namespace unimem::cache {

class MpiSession {
 public:
  /// @brief Initialises MPI unless it already is (then this session finalises nothing).
  /// @p argc / @p argv may be null. unsupported if the library offers less than MPI_THREAD_SERIALIZED.
  static Result<MpiSession> init(int *argc = nullptr, char ***argv = nullptr);

  MpiSession(MpiSession &&other) noexcept : owner_(std::exchange(other.owner_, false)), level_(other.level_) {}
  MpiSession &operator=(MpiSession &&) = delete;
  MpiSession(const MpiSession &) = delete;
  ~MpiSession();

  /// @brief MPI_THREAD_SERIALIZED or MPI_THREAD_MULTIPLE.
  int thread_level() const noexcept { return level_; }
  /// @brief MPI_COMM_WORLD's rank and size.
  static int world_rank() noexcept;
  static int world_size() noexcept;

 private:
  MpiSession(bool owner, int level) noexcept : owner_(owner), level_(level) {}
  bool owner_;
  int level_;
};

}  // namespace unimem::cache
