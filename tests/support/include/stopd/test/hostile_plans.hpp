// Plans and values made to hurt a parser, shared by the unit, e2e and daemon tests that check
// each is refused within its limit.
#pragma once

#include <cstddef>
#include <string>

namespace stopd::test {

// `depth` arrays inside one another: "[[[…]]]".
std::string nested_arrays(std::size_t depth);

// "Billion laughs" in YAML: nine levels of ten aliases, 10^9 values once expanded, from about 500
// bytes; the last step of type `type` has the whole expansion as its target's pid.
std::string billion_laughs_plan(const std::string& type);

// `steps` steps of type `type` (target {pid: 1}), each needing the next, the last the first: one
// cycle through all of them, in YAML.
std::string needs_cycle_plan(std::size_t steps, const std::string& type);

}  // namespace stopd::test
