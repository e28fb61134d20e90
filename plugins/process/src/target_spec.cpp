#include "target_spec.hpp"

#include "signal_names.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::process {
namespace {

constexpr long long kMaxPid = 4 * 1024 * 1024;  // PID_MAX_LIMIT on 64-bit kernels
constexpr std::string_view kKinds[] = {"pid", "pgid", "pidfile", "cgroup"};

[[noreturn]] void invalid(const std::string& message) {
  throw sdk::StopError(sdk::Code::invalid_argument, message);
}

pid_t id_field(const nlohmann::json& target, std::string_view key) {
  const auto& value = target.at(std::string(key));
  const std::string field = "target." + std::string(key);
  if (!value.is_number_integer())
    invalid(field + ": must be an integer, not " + std::string(value.type_name()));
  const auto number = value.get<long long>();
  if (number < 1 || number > kMaxPid)
    invalid(field + ": " + std::to_string(number) + " is out of range (1 to " +
            std::to_string(kMaxPid) + ")");
  return static_cast<pid_t>(number);
}

std::string path_field(const nlohmann::json& target, std::string_view key) {
  const auto& value = target.at(std::string(key));
  const std::string field = "target." + std::string(key);
  if (!value.is_string())
    invalid(field + ": must be a string, not " + std::string(value.type_name()));
  const auto& path = value.get_ref<const std::string&>();
  if (path.empty() || path.front() != '/')
    invalid(field + ": \"" + path + "\" is not an absolute path");
  if (path.find('\0') != std::string::npos) invalid(field + ": contains a NUL byte");
  if (path.size() > 4096) invalid(field + ": longer than PATH_MAX (4096)");
  return path;
}

}  // namespace

std::string_view to_string(TargetKind kind) {
  return kKinds[static_cast<std::size_t>(kind)];
}

TargetSpec parse_target(const nlohmann::json& target) {
  if (!target.is_object())
    invalid("target: must be an object, not " + std::string(target.type_name()));

  std::string present;
  int count = 0;
  TargetKind kind = TargetKind::pid;
  for (const auto& [key, value] : target.items()) {
    (void)value;
    bool known = key == "start_time";
    for (std::size_t i = 0; i < std::size(kKinds); ++i) {
      if (key != kKinds[i]) continue;
      known = true;
      kind = static_cast<TargetKind>(i);
      present += (count++ ? ", " : "") + key;
    }
    if (!known)
      invalid("target." + key +
              ": unknown field (expected one of pid, pgid, pidfile, cgroup; and start_time with "
              "pid or pidfile)");
  }
  if (count == 0) invalid("target: needs exactly one of pid, pgid, pidfile, cgroup");
  if (count > 1)
    invalid("target: needs exactly one of pid, pgid, pidfile, cgroup (found " + present + ")");

  TargetSpec spec;
  spec.kind = kind;
  switch (kind) {
    case TargetKind::pid:
      spec.id = id_field(target, "pid");
      break;
    case TargetKind::pgid:
      spec.id = id_field(target, "pgid");
      break;
    case TargetKind::pidfile:
      spec.path = path_field(target, "pidfile");
      break;
    case TargetKind::cgroup:
      spec.path = path_field(target, "cgroup");
      break;
  }

  if (const auto it = target.find("start_time"); it != target.end()) {
    if (spec.is_group()) invalid("target.start_time: only valid with pid or pidfile");
    if (!it->is_number_integer() || (!it->is_number_unsigned() && it->get<long long>() < 0))
      invalid(
          "target.start_time: must be a non-negative integer (clock ticks since boot, field 22 of "
          "/proc/PID/stat)");
    spec.start_time = it->get<std::uint64_t>();
  }
  return spec;
}

int parse_stop_signal_option(const nlohmann::json& options, int fallback) {
  if (options.is_null()) return fallback;
  if (!options.is_object())
    invalid("options: must be an object, not " + std::string(options.type_name()));
  int signal = fallback;
  for (const auto& [key, value] : options.items()) {
    if (key != "signal") invalid("options." + key + ": unknown option (expected signal)");
    const auto parsed = parse_signal_json(value);
    if (!parsed)
      invalid(
          "options.signal: " + value.dump() +
          " is not a signal (use a name such as \"SIGTERM\" or \"TERM\", or a number such as 15)");
    signal = *parsed;
  }
  return signal;
}

}  // namespace stopd::process
