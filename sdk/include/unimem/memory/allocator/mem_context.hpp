// MemContext: the hints an allocation carries, as in hermes-shm. Today one: the calling thread's
// id. A null id (the default) means "the calling thread": a host thread uses its own cache, a GPU
// thread its global thread id. An explicit id selects a shared cache by that id, which is how
// emulated GPU threads and callers that manage their own threads use the allocator.
#pragma once

#include "unimem/core/config.hpp"
#include "unimem/thread/thread_id.hpp"

namespace unimem {

struct MemContext {
  ThreadId tid{};
};

}  // namespace unimem
