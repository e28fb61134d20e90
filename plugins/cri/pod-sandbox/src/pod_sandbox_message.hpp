// The words of a pod sandbox stop's outcome. Stopctl shows the message as the stop's one line, so
// it names what the stop did: the containers stopped, those never started, the IPs released.
// Names, ids and IPs come from the runtime: each is shortened and kept to printable ASCII, and each
// list shows its first few entries, then "and N more". The details keep the exact values.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace stopd::cri {

// Entries a message names per list before "and N more".
inline constexpr std::size_t kNamedPerList = 3;

// `text` cut to `max_chars` (then "…"), every byte outside printable ASCII as '?': a runtime's
// text can then neither move an operator's cursor nor break a message's UTF-8.
std::string printable(std::string_view text, std::size_t max_chars);

// "ns/name (id)", or the id alone when the sandbox has no name; from sandbox_facts().
std::string sandbox_label(const nlohmann::json& facts);

// "web (3f2a1b4c5d6e)" from {container_id, name}: the name shortened, the id's first 12 digits.
std::string container_label(const nlohmann::json& member);

// What a stop that did something says, from its details (stopped_containers, released_ips,
// never_started_containers).
std::string stopped_message(const std::string& sandbox, const nlohmann::json& details);

// What a stop of a sandbox that was not ready and ran nothing says.
std::string already_stopped_message(const std::string& sandbox, const nlohmann::json& details);

// "StopPodSandbox … returned, but N of its containers still run: …", from running_containers.
std::string still_running_message(const std::string& requested_id, const nlohmann::json& details);

}  // namespace stopd::cri
