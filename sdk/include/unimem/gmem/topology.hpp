// Heterogeneous NUMA ids (hnids): one numbering for every place memory can live.
//
//   CPU nodes first, under their Linux node numbers (so an hnid of a CPU node is what mbind and
//   move_pages take, gaps included), then GPUs: CUDA devices in ordinal order, then HIP devices,
//   numbered from the highest CPU node + 1.
//
// GPUs appear only when unimem::cuda / unimem::hip is linked and its runtime reports devices.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "unimem/core/error.hpp"

namespace unimem::gmem {

enum class NodeKind { cpu, cuda, hip };

/// @brief "cpu", "cuda" or "hip".
const char *node_kind_name(NodeKind kind) noexcept;

struct NumaNode {
  int hnid = 0;
  NodeKind kind = NodeKind::cpu;
  int index = 0;                   ///< Linux node number or device ordinal
  std::uint64_t memory_bytes = 0;  ///< total memory of the node or device
  std::string name;                ///< "node0", or the GPU's name
  std::string compute_capability;  ///< GPUs: "major.minor" as the runtime reports it; empty for CPU nodes
};

/// @brief Every node of this machine, by hnid.
std::vector<NumaNode> topology();

/// @brief The node @p hnid names; no_device when none does.
Result<NumaNode> node(int hnid);

}  // namespace unimem::gmem
