// `unimem shm list | inspect | check | remove`: the regions unimem created on this machine, their
// headers, the allocator's statistics and structure, and caches held by dead processes.
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "commands.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"
#include "unimem/memory/shm_region_info.hpp"

namespace unimem::tool {
namespace {

std::string age(std::uint64_t created_ns) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const long long s = now - static_cast<long long>(created_ns / 1000000000ull);
  return s < 120 ? std::to_string(s) + "s" : s < 7200 ? std::to_string(s / 60) + "m" : std::to_string(s / 3600) + "h";
}

// The creator's user name, or its uid where the user database has none.
std::string owner(std::uint32_t uid) {
  passwd entry{}, *found = nullptr;
  char buf[1024];
  if (::getpwuid_r(uid, &entry, buf, sizeof buf, &found) == 0 && found != nullptr) return found->pw_name;
  return std::to_string(uid);
}

// MAPS: processes that map it, "+N?" for N more that may (their maps are not readable here).
void print_row(const ShmRegionInfo &r) {
  std::string maps = std::to_string(r.mapped_by.size());
  if (!r.unknown_mappers.empty()) maps += "+" + std::to_string(r.unknown_mappers.size()) + "?";
  std::printf("%-40s %12llu  %-10s %-10s %7u %-5s %6s  %4s  %s\n", r.name.c_str(),
              static_cast<unsigned long long>(r.file_bytes), std::string(backend_kind_name(r.header.backend_kind())).c_str(),
              owner(r.header.creator_uid).c_str(), r.header.creator_pid, r.creator_alive ? "alive" : "dead", age(r.header.created_unix_ns).c_str(),
              maps.c_str(), r.problem ? r.problem->what().c_str() : "ok");
}

// The allocator in the region: its statistics, a structural check, and caches of dead processes.
// @return 1 when the structures are damaged.
int check_allocator(const char *name, bool reclaim) {
  auto b = PosixShmBackend::attach(name);
  if (!b) return std::fprintf(stderr, "unimem: %s\n", b.error().what().c_str()), 1;
  auto a = SlabAllocator::attach_existing(**b);
  if (!a) {
    std::printf("allocator:     none (%s)\n", a.error().message().c_str());
    return a.code() == Errc::not_found ? 0 : 1;
  }
  const bool tla = dynamic_cast<ThreadLocalAllocator *>(a->get()) != nullptr;
  const AllocatorStats st = (*a)->stats();
  std::printf("allocator:     %s, id %u\n", tla ? "ThreadLocalAllocator" : "ScalablePageAllocator", (*a)->id().value);
  std::printf("in use:        %llu bytes (peak %llu), reserved %llu of %llu bytes, %llu large blocks\n",
              static_cast<unsigned long long>(st.bytes_in_use), static_cast<unsigned long long>(st.peak_bytes_in_use),
              static_cast<unsigned long long>(st.bytes_reserved), static_cast<unsigned long long>(st.capacity_bytes),
              static_cast<unsigned long long>(st.large_blocks));
  const HeapReport report = (*a)->check();
  if (report.problems.empty()) {
    std::printf("structure:     consistent (%u pages in use, %u in free runs)\n", report.pages_in_use, report.pages_free);
  } else {
    std::printf("structure:     %zu problem(s)\n", report.problems.size());
    for (const auto &p : report.problems) std::printf("  %s\n", p.c_str());
  }
  if (report.dead_caches.empty()) std::printf("dead processes: none\n");
  for (const auto &d : report.dead_caches) {
    std::printf("dead process:  pid %u holds cache %u with %u span(s)%s\n", d.pid, d.slot, d.spans,
                reclaim ? "" : " (use --reclaim to give them back)");
  }
  if (reclaim && !report.dead_caches.empty()) {
    std::printf("reclaimed:     %u cache(s)\n", (*a)->reclaim_dead_processes());
  }
  return report.problems.empty() ? 0 : 1;
}

}  // namespace

int shm_list() {
  auto regions = list_shm_regions();
  if (!regions) return std::fprintf(stderr, "unimem: %s\n", regions.error().what().c_str()), 1;
  std::printf("%-40s %12s  %-10s %-10s %7s %-5s %6s  %4s  %s\n", "NAME", "BYTES", "KIND", "OWNER", "CREATOR", "", "AGE",
              "MAPS", "STATE");
  for (const auto &r : *regions) print_row(r);
  return 0;
}

int shm_inspect(const char *name, bool check_only, bool reclaim) {
  auto r = inspect_shm_region(name);
  if (!r) return std::fprintf(stderr, "unimem: %s\n", r.error().what().c_str()), 1;
  if (!check_only) {
    const RegionHeader &h = r->header;
    std::printf("name:          %s\n", r->name.c_str());
    std::printf("kind:          %s\n", std::string(backend_kind_name(h.backend_kind())).c_str());
    std::printf("layout:        version %u, header %u bytes\n", h.version, h.header_bytes);
    std::printf("size:          %llu bytes (file %llu)\n", static_cast<unsigned long long>(h.region_bytes),
                static_cast<unsigned long long>(r->file_bytes));
    std::printf("creator:       pid %u (%s), owner %s (uid %u), %s ago\n", h.creator_pid,
                r->creator_alive ? "alive" : "dead", owner(h.creator_uid).c_str(), h.creator_uid,
                age(h.created_unix_ns).c_str());
    std::printf("mapped by:    ");
    for (pid_t p : r->mapped_by) std::printf(" %d", p);
    std::printf("%s", r->mapped_by.empty() && r->unknown_mappers.empty() ? " nobody" : "");
    if (!r->unknown_mappers.empty()) {
      std::printf(" (and maybe %zu process(es) whose maps this user cannot read, first: pid %d)",
                  r->unknown_mappers.size(), r->unknown_mappers.front());
    }
    std::printf("\n");
  }
  std::printf("header:        %s\n", r->problem ? r->problem->what().c_str() : "valid");
  if (r->problem) return 1;
  return check_allocator(name, reclaim);
}

int shm_remove(const char *name, bool force) {
  auto r = inspect_shm_region(name);
  if (!r) return std::fprintf(stderr, "unimem: %s\n", r.error().what().c_str()), 1;
  if (!r->mapped_by.empty() && !force) {
    std::fprintf(stderr, "unimem: %s is mapped by %zu process(es) (first: pid %d); use --force to remove it anyway\n",
                 r->name.c_str(), r->mapped_by.size(), r->mapped_by.front());
    return 1;
  }
  if (!r->unknown_mappers.empty() && !force) {
    std::fprintf(stderr,
                 "unimem: %s may be mapped by %zu process(es) whose maps this user cannot read (first: pid %d); "
                 "use --force to remove it anyway\n",
                 r->name.c_str(), r->unknown_mappers.size(), r->unknown_mappers.front());
    return 1;
  }
  if (auto ok = PosixShmBackend::remove(name); !ok) return std::fprintf(stderr, "unimem: %s\n", ok.error().what().c_str()), 1;
  std::printf("removed %s\n", r->name.c_str());
  return 0;
}

}  // namespace unimem::tool
