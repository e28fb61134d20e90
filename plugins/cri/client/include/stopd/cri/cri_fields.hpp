// The pieces cri.container and cri.pod_sandbox declare their targets and selectors with
// (sdk::Fields), so both publish the same rules for ids, names and labels.
#pragma once

#include <string>
#include <utility>

#include "stopd/sdk/fields.hpp"

namespace stopd::cri {

// A target naming one CRI object by its id: {"container_id": …} or {"pod_sandbox_id": …}.
struct IdTarget {
  std::string id;
};

// Neither provider takes options.
struct NoOptions {};

// A CRI object id. containerd, CRI-O and iSulad all use 64 lowercase hex digits; a unique prefix
// of at least 12 (what docker and crictl print) is accepted too, and the runtime resolves it.
// Anything else is refused before a request reaches the runtime, so a hostile or oversized id
// never leaves the host.
inline sdk::TextRule id_rule(std::string description) {
  return sdk::text().pattern("^[0-9a-f]{12,64}$").describe(std::move(description));
}

// A pod's or container's metadata name or namespace: Kubernetes bounds them at 253 characters
// (a DNS subdomain).
inline sdk::TextRule name_rule(std::string description) {
  return sdk::text().min_length(1).max_length(253).describe(std::move(description));
}

// A label selector. Keys: Kubernetes allows a 253-character prefix, '/' and a 63-character name.
// Values: the CRI bounds neither; 4096 keeps a selector small.
inline sdk::TextMapRule labels_rule(std::string description) {
  return sdk::text_map()
      .keys(sdk::text().min_length(1).max_length(317))
      .values(sdk::text().max_length(4096))
      .max_entries(64)
      .describe(std::move(description));
}

}  // namespace stopd::cri
