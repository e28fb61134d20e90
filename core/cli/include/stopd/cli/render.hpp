// How stopctl shows things: one human line per stop, or one JSON object for scripts.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "stopd/core/stop_result.hpp"

namespace stopd::cli {

enum class OutputFormat { human, json };

// Compact one-line JSON; invalid UTF-8 (from a command-line argument, say) is replaced rather
// than thrown about.
std::string json_text(const nlohmann::json& value);

// Pretty JSON (2-space indent, every line prefixed with `indent`), for `plugins describe`.
std::string pretty_json(const nlohmann::json& value, std::string_view indent = "");

// `text` itself when at most `max` bytes long; otherwise its start (whole UTF-8 characters),
// "…" and its length, so echoing an oversized argument in a message stays readable.
std::string shorten(std::string_view text, std::size_t max);

// "12 ms", "1.5 s", "42 s", "3 min 20 s".
std::string format_duration(std::chrono::milliseconds duration);

// "pid=4242", "path=/run/x.run wait=true", "labels={\"a\":1}"; values that would be ambiguous
// (empty; spaces, quotes, backslashes or anything core::printable() escapes) are JSON-quoted.
std::string target_text(const nlohmann::json& target);

// `word` as a shell argument: unchanged when it needs no quoting, else in single quotes.
std::string shell_quote(std::string_view word);

// What a stop's outcome looks like for a human, on one line:
//   stopped: local.process pid=4242: pid 4242 (sleep) exited after SIGTERM in 3 ms (forced: no,
//   took 3 ms, signals: SIGTERM at 0 ms)
// `target` may be null when the arguments could not be turned into a target; `arguments` are
// then shown as given.
std::string human_result(std::string_view type, const nlohmann::json& target,
                         const std::vector<std::string>& arguments, const core::StopResult& result);

// core::to_json(result) plus "type" and "target".
nlohmann::json result_json(std::string_view type, const nlohmann::json& target,
                           const core::StopResult& result);

// An error that prevented the command: {"code", "message", "exit_code"}.
nlohmann::json error_json(std::string_view code, std::string_view message, int exit_code);

}  // namespace stopd::cli
