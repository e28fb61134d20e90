// A stop target as the request names it, checked field by field. The host validates requests
// against the JSON Schema first; these checks repeat the ones that matter with messages that name
// the field, and add what a schema cannot say.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace stopd::process {

enum class TargetKind { pid, pgid, pidfile, cgroup };

std::string_view to_string(TargetKind kind);

struct TargetSpec {
  TargetKind kind = TargetKind::pid;
  pid_t id = 0;      // the pid or the pgid
  std::string path;  // the pidfile or the cgroup directory
  std::optional<std::uint64_t> start_time;

  bool is_group() const { return kind == TargetKind::pgid || kind == TargetKind::cgroup; }
};

// Throws StopError(invalid_argument) with a message naming the field ("target.pid: …").
TargetSpec parse_target(const nlohmann::json& target);

// The graceful stop signal: options.signal if given, else `fallback`. Throws
// StopError(invalid_argument) naming "options.signal".
int parse_stop_signal_option(const nlohmann::json& options, int fallback);

}  // namespace stopd::process
