// What a CRI object id may look like on stopd's side. containerd, CRI-O and iSulad all use 64
// lowercase hex digits; a unique prefix of at least 12 (what docker and crictl print) is accepted
// too, and the runtime resolves it. Anything else is refused by the target schema before a
// request reaches the runtime, so a hostile or oversized id never leaves the host.
#pragma once

#include <string_view>

namespace stopd::cri {

inline constexpr char kIdPattern[] = "^[0-9a-f]{12,64}$";

bool is_valid_id(std::string_view id);

}  // namespace stopd::cri
