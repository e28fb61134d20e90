// Signal names as operators write them ("SIGTERM", "TERM", "term", 15, "15", "SIGRTMIN+2") and as
// reports print them ("SIGTERM").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace stopd::process {

// The signal number, or nullopt for anything that is not a signal a process can be sent. Signals 32
// and 33 are refused: glibc keeps them for its own thread machinery inside the target.
std::optional<int> parse_signal(std::string_view text);

// The same for a JSON value: a name or a number, as a string or an integer.
std::optional<int> parse_signal_json(const nlohmann::json& value);

// "SIGTERM", "SIGRTMIN+3"; "signal 99" for numbers without a name.
std::string signal_name(int signal);

}  // namespace stopd::process
