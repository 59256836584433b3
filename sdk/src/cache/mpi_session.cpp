#include "unimem/cache/mpi_session.hpp"

#include <mpi.h>

#include <string>

namespace unimem::cache {

Result<MpiSession> MpiSession::init(int *argc, char ***argv) {
  int initialized = 0, level = MPI_THREAD_SINGLE;
  MPI_Initialized(&initialized);
  const bool owner = initialized == 0;
  if (owner) {
    if (MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &level) != MPI_SUCCESS) {
      return Error(Errc::io_error, "MpiSession: MPI_Init_thread failed");
    }
  } else {
    MPI_Query_thread(&level);
  }
  MpiSession session(owner, level);
  if (level < MPI_THREAD_SERIALIZED) {
    return Error(Errc::unsupported, "MpiSession: the MPI library offers thread level " + std::to_string(level) +
                                        "; unimem needs MPI_THREAD_SERIALIZED or MPI_THREAD_MULTIPLE");
  }
  return session;
}

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (owner_ && finalized == 0) MPI_Finalize();
}

int MpiSession::world_rank() noexcept {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int MpiSession::world_size() noexcept {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

}  // namespace unimem::cache
