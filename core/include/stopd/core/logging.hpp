// The host's log (spdlog) and the adapter plugins see as stopd::sdk::Logger; and the escaping
// that keeps every log line one line, which stopctl's human output uses as well.
#pragma once

#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

#include <memory>
#include <string>
#include <string_view>

#include "stopd/sdk/logger.hpp"

namespace stopd::core {

// The process-wide logger ("stopd"), writing to stderr through escaping_sink(). Created on first
// use at level `warn`.
std::shared_ptr<spdlog::logger> host_logger();

// Throws std::invalid_argument for a name other than trace|debug|info|warn|error|off.
void set_log_level(std::string_view level);

spdlog::level::level_enum to_spdlog_level(sdk::LogLevel level);

// A logger for one plugin: every line carries plugin=<name>.
std::shared_ptr<sdk::Logger> make_plugin_logger(std::string plugin_name);

// `text` as visible characters on one line, for a log line or a terminal. Control characters
// (C0 and DEL: \n, \r, \t, else \xNN such as \x1b; C1: \u0080 to \u009f), the Unicode line
// and paragraph separators (\u2028, \u2029) and the bidirectional controls (\u200e, \u200f,
// \u202a to \u202e, \u2066 to \u2069: text shown in another order) become escapes; a byte that is
// not part of valid UTF-8 becomes \xNN. Everything else, backslashes and valid UTF-8 included, is
// kept as it is, so ordinary text comes back unchanged and escaping twice changes nothing more.
std::string printable(std::string_view text);
// Appends printable(text) to `out`.
void append_printable(std::string& out, std::string_view text);
// Whether printable(text) == text, without building it.
bool is_printable(std::string_view text);

// A caller's string as one field of a log line ("request_id={}"): JSON-quoted, so a space or a
// quote inside it cannot make a second field.
std::string log_field(std::string_view text);

// A sink that hands `inner` each message with printable() applied to its text, so no field of
// any log call can start a line of its own or reach a terminal as a control sequence.
std::shared_ptr<spdlog::sinks::sink> escaping_sink(std::shared_ptr<spdlog::sinks::sink> inner);

}  // namespace stopd::core
