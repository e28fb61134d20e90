// What a plugin hands back to the host: outcomes, progress facts, inspections, listed targets. The
// host journals, logs and sends all of it, and nlohmann's dump() throws on invalid UTF-8 and
// recurses once per nesting level. A plugin's output is its own (and its backend's: a container
// name, a cloud's error text), so it is made safe here, once, where it crosses into the host:
// strings repaired, values nested past limits::kMaxNesting cut, messages cut to
// limits::kMaxMessageBytes. The plugin is named in a warning when that changed anything.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "stopd/sdk/outcome.hpp"

namespace stopd::core {

void contain_outcome(sdk::StopOutcome& outcome, std::string_view type);

// `what` names the value in the warning ("progress facts", "a listed target").
void contain_json(nlohmann::json& value, std::string_view type, std::string_view what);

// A message as the host keeps it: valid UTF-8, at most limits::kMaxMessageBytes.
std::string contained_text(std::string text);

}  // namespace stopd::core
