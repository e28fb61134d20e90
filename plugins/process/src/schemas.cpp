#include "schemas.hpp"

namespace stopd::process {
namespace {

constexpr char kTargetSchema[] = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "local.process target",
  "description": "Exactly one of pid, pgid, pidfile or cgroup; start_time only with pid or pidfile.",
  "type": "object",
  "properties": {
    "pid": {
      "description": "A process id.",
      "type": "integer", "minimum": 1, "maximum": 4194304
    },
    "pgid": {
      "description": "A process group id: every process of the group is stopped.",
      "type": "integer", "minimum": 1, "maximum": 4194304
    },
    "pidfile": {
      "description": "Absolute path of a file holding the pid (one decimal number).",
      "type": "string", "pattern": "^/", "maxLength": 4096
    },
    "cgroup": {
      "description": "Absolute path of a cgroup directory (v1 or v2): every process in it and in its descendants is stopped.",
      "type": "string", "pattern": "^/", "maxLength": 4096
    },
    "start_time": {
      "description": "The process's start time, clock ticks since boot (field 22 of /proc/PID/stat): refuses a pid that now belongs to another process.",
      "type": "integer", "minimum": 0
    }
  },
  "additionalProperties": false,
  "oneOf": [
    {"title": "a pid", "required": ["pid"]},
    {"title": "a process group (no start_time)", "required": ["pgid"], "not": {"required": ["start_time"]}},
    {"title": "a pidfile", "required": ["pidfile"]},
    {"title": "a cgroup (no start_time)", "required": ["cgroup"], "not": {"required": ["start_time"]}}
  ]
})json";

constexpr char kOptionsSchema[] = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "local.process options",
  "type": "object",
  "properties": {
    "signal": {
      "description": "The graceful stop signal for this request: \"SIGTERM\", \"TERM\" or 15.",
      "oneOf": [
        {"type": "string", "pattern": "^[A-Za-z0-9+-]+$"},
        {"type": "integer", "minimum": 1, "maximum": 64}
      ]
    }
  },
  "additionalProperties": false
})json";

constexpr char kSelectorSchema[] = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "local.process selector",
  "description": "Exactly one of cgroup, pgid or comm; lists each matching process as {pid, start_time}.",
  "type": "object",
  "properties": {
    "cgroup": {
      "description": "Every process in this cgroup directory and its descendants.",
      "type": "string", "pattern": "^/", "maxLength": 4096
    },
    "pgid": {
      "description": "Every process of this process group.",
      "type": "integer", "minimum": 1, "maximum": 4194304
    },
    "comm": {
      "description": "Every process with exactly this name (comm, at most 15 bytes as the kernel keeps it).",
      "type": "string", "minLength": 1, "maxLength": 15
    }
  },
  "additionalProperties": false,
  "oneOf": [
    {"title": "a cgroup", "required": ["cgroup"]},
    {"title": "a process group", "required": ["pgid"]},
    {"title": "a process name", "required": ["comm"]}
  ]
})json";

}  // namespace

nlohmann::json target_schema() {
  return nlohmann::json::parse(kTargetSchema);
}
nlohmann::json options_schema() {
  return nlohmann::json::parse(kOptionsSchema);
}
nlohmann::json selector_schema() {
  return nlohmann::json::parse(kSelectorSchema);
}

}  // namespace stopd::process
