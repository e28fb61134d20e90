#include "stopd/core/host_config.hpp"

#include "stopd/core/bounded_json.hpp"
#include "stopd/core/bounded_read.hpp"
#include "stopd/core/input_limits.hpp"
#include "stopd/core/json_schema.hpp"

namespace stopd::core {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The whole file: the host's keys (read by stopctl --local and the daemon) and the daemon's
// sections (listen, auth, journal, metrics, schedules, drain_timeout_seconds,
// quarantine_after_crashes; read by the daemon only, see daemon_config.hpp). What a schema cannot
// say (files that must exist, TCP without TLS, duplicate token names, …) is checked by
// parse_daemon_config.
const char* const kSchemaText = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "stopd configuration",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "plugin_dirs": {"type": "array", "items": {"type": "string", "minLength": 1}},
    "plugins": {"type": "array", "items": {"type": "string", "minLength": 1}},
    "providers": {
      "type": "object",
      "additionalProperties": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "settings": {"type": "object"},
          "max_concurrency": {"type": "integer", "minimum": 1, "maximum": 1000000},
          "max_attempts": {"type": "integer", "minimum": 1, "maximum": 100},
          "isolation": {
            "description": "in_process (default): the plugin runs inside stopd, fastest; process: in a stopd-plugin-host process of its own, supervised, so a crash or hang costs only its own stops",
            "enum": ["in_process", "process"]
          },
          "plugin_host": {
            "description": "the plugin host process of an isolated provider (isolation: process)",
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "address_space_mb": {"type": "integer", "minimum": 16, "maximum": 16777216},
              "open_files": {"type": "integer", "minimum": 16, "maximum": 1048576},
              "cpu_seconds": {"type": "integer", "minimum": 1, "maximum": 31536000},
              "user": {"type": "string", "minLength": 1, "maxLength": 64},
              "group": {"type": "string", "minLength": 1, "maxLength": 64},
              "environment": {
                "type": "object",
                "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                "additionalProperties": {"type": "string", "maxLength": 65536}
              },
              "inherit_environment": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}
              },
              "kill_after_deadline_seconds": {"type": "number", "minimum": 0, "maximum": 86400},
              "quarantine_after_crashes": {"type": "integer", "minimum": 1, "maximum": 100},
              "restart_backoff_initial_ms": {"type": "integer", "minimum": 1, "maximum": 3600000},
              "restart_backoff_max_ms": {"type": "integer", "minimum": 1, "maximum": 3600000}
            }
          }
        }
      }
    },
    "dispatcher": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "deadline_margin_seconds": {"type": "number", "minimum": 0, "maximum": 86400},
        "drain_deadline_seconds": {"type": "number", "minimum": 1, "maximum": 2592000},
        "max_attempts": {"type": "integer", "minimum": 1, "maximum": 100},
        "backoff_initial_ms": {"type": "integer", "minimum": 1, "maximum": 3600000},
        "backoff_max_ms": {"type": "integer", "minimum": 1, "maximum": 3600000},
        "max_worker_threads": {"type": "integer", "minimum": 1, "maximum": 4096}
      }
    },
    "log_level": {"enum": ["trace", "debug", "info", "warn", "error", "off"]},
    "listen": {
      "description": "Where the daemon serves its gRPC API.",
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "unix_socket": {"type": "string", "minLength": 1},
        "socket_mode": {
          "description": "an octal mode such as \"0660\" (or the mode as an integer)",
          "type": ["string", "integer"],
          "pattern": "^0?[0-7]{3}$"
        },
        "tcp": {
          "description": "HOST:PORT such as \"0.0.0.0:7443\" or \"[::]:7443\"",
          "type": "string",
          "pattern": "^(\\[[0-9A-Fa-f:.]+\\]|[^\\s\\[\\]:/]+):[0-9]{1,5}$"
        },
        "insecure": {"type": "boolean"},
        "max_threads": {
          "description": "threads serving calls at once (a Stop that waits and each open watch hold one); calls beyond it get RESOURCE_EXHAUSTED",
          "type": "integer",
          "minimum": 8,
          "maximum": 65536
        },
        "tls": {
          "type": "object",
          "additionalProperties": false,
          "required": ["cert", "key"],
          "properties": {
            "cert": {"type": "string", "minLength": 1},
            "key": {"type": "string", "minLength": 1},
            "client_ca": {"type": "string", "minLength": 1},
            "require_client_cert": {"type": "boolean"}
          }
        }
      }
    },
    "auth": {
      "description": "Who may call the daemon, and what they may stop.",
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "unix_socket": {"enum": ["trusted", "token"]},
        "tokens": {
          "type": "array",
          "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["name", "scopes"],
            "oneOf": [{"required": ["sha256"]}, {"required": ["token"]}],
            "not": {"required": ["sha256", "token"]},
            "properties": {
              "name": {
                "description": "a name of at most 64 letters, digits and . _ - @ : (starting with a letter or digit)",
                "type": "string",
                "pattern": "^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$"
              },
              "sha256": {"type": "string"},
              "token": {
                "description": "the token inline, or {\"env\": \"NAME\"}, or {\"file\": \"/path\"}",
                "type": ["string", "object"],
                "minLength": 1,
                "additionalProperties": false,
                "properties": {
                  "env": {
                    "description": "an environment variable name",
                    "type": "string",
                    "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"
                  },
                  "file": {"type": "string", "minLength": 1}
                }
              },
              "scopes": {
                "type": "array",
                "minItems": 1,
                "items": {
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["types"],
                  "properties": {
                    "types": {
                      "type": "array",
                      "minItems": 1,
                      "items": {"type": "string", "minLength": 1}
                    },
                    "target": {
                      "type": "object",
                      "additionalProperties": {
                        "type": ["array", "string", "number", "boolean"],
                        "minItems": 1,
                        "items": {"type": ["string", "number", "boolean"]}
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    },
    "journal": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "file": {"type": "string", "minLength": 1},
        "sync": {"enum": ["full", "normal"]},
        "retention_hours": {"type": "number", "minimum": 1, "maximum": 87600},
        "prune_interval_minutes": {"type": "number", "minimum": 1, "maximum": 10080}
      }
    },
    "metrics": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "listen": {
          "description": "HOST:PORT with an IPv4 address or localhost, such as \"127.0.0.1:9464\"",
          "type": "string",
          "pattern": "^([0-9]{1,3}(\\.[0-9]{1,3}){3}|localhost):[0-9]{1,5}$"
        }
      }
    },
    "drain_timeout_seconds": {"type": "number", "minimum": 0, "maximum": 86400},
    "schedules": {
      "description": "scheduled stops: each a calendar and a batch plan (README: Scheduled stops)",
      "type": "array",
      "maxItems": 10000,
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "cron", "plan"],
        "properties": {
          "name": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"},
          "cron": {"type": "string", "minLength": 1, "maxLength": 1024},
          "tz": {"type": "string", "minLength": 1, "maxLength": 64},
          "plan": {
            "description": "a plan file (relative to this file's directory), or the plan itself",
            "anyOf": [{"type": "string", "minLength": 1}, {"type": "object"}]
          },
          "overlap": {"enum": ["forbid", "replace"]},
          "catch_up_seconds": {"type": "number", "minimum": 0, "maximum": 2592000},
          "paused": {"type": "boolean"},
          "jitter_seconds": {"type": "integer", "minimum": 0, "maximum": 86400},
          "history": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "succeeded": {"type": "integer", "minimum": 0, "maximum": 100},
              "failed": {"type": "integer", "minimum": 0, "maximum": 100}
            }
          }
        }
      }
    },
    "quarantine_after_crashes": {
      "description": "how many times in a row stopd may end without a clean shutdown while a job is in flight before that job is quarantined instead of resumed",
      "type": "integer",
      "minimum": 1,
      "maximum": 100
    }
  }
})json";

fs::path resolve(const fs::path& base_dir, const std::string& text) {
  fs::path path(text);
  return path.is_absolute() || base_dir.empty() ? path : base_dir / path;
}

std::chrono::milliseconds seconds_to_ms(const json& value) {
  return std::chrono::milliseconds(static_cast<long long>(value.get<double>() * 1000.0));
}

const char* type_word(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a string";
  }
}

// Schema messages quote offending values ("got integer 1234…"), so before validation every value
// that may hold a token in plaintext (a "token" or "sha256" anywhere under "auth") is replaced by
// a placeholder of a type the schema accepts; a wrong type there is reported here, without the
// value. `path` is the value's key path in messages.
void redact_auth(json& node, const std::string& path) {
  if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      redact_auth(node[i], path + "[" + std::to_string(i) + "]");
    return;
  }
  if (!node.is_object()) return;
  for (auto& [key, value] : node.items()) {
    const std::string at = path + "." + key;
    const bool secret = key == "token" || key == "sha256";
    if (!secret || (key == "token" && value.is_object())) {
      redact_auth(value, at);
      continue;
    }
    if (value.is_string()) {
      if (!value.get_ref<const std::string&>().empty()) value = "<redacted>";
      continue;
    }
    throw ConfigError(at + ": expected " +
                      (key == "token" ? std::string("a string, {\"env\": \"NAME\"} or "
                                                    "{\"file\": \"/path\"}")
                                      : std::string("a string of 64 hexadecimal digits")) +
                      ", got " + type_word(value));
  }
}

void validate_config_document(const json& document) {
  static const JsonSchema schema(json::parse(kSchemaText));
  if (document.is_object() && document.contains("auth")) {
    json redacted = document;
    redact_auth(redacted["auth"], "config.auth");
    if (auto error = schema.validate(redacted, "config")) throw ConfigError(*error);
    return;
  }
  if (auto error = schema.validate(document, "config")) throw ConfigError(*error);
}

fs::path config_base_dir(const fs::path& file) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(file, ec);
  return (ec ? file : absolute).parent_path();
}

}  // namespace

const json& host_config_schema() {
  static const json schema = json::parse(kSchemaText);
  return schema;
}

// Validated by the schema already; what it cannot say is checked here.
PluginHostSettings parse_plugin_host(const json& section, const std::string& where) {
  PluginHostSettings out;
  if (auto v = section.find("address_space_mb"); v != section.end())
    out.address_space_bytes = v->get<std::uint64_t>() * 1024 * 1024;
  if (auto v = section.find("open_files"); v != section.end())
    out.open_files = v->get<std::uint64_t>();
  if (auto v = section.find("cpu_seconds"); v != section.end())
    out.cpu_seconds = v->get<std::uint64_t>();
  if (auto v = section.find("user"); v != section.end()) out.user = v->get<std::string>();
  if (auto v = section.find("group"); v != section.end()) out.group = v->get<std::string>();
  if (auto v = section.find("environment"); v != section.end())
    for (const auto& [name, value] : v->items()) out.environment[name] = value.get<std::string>();
  if (auto v = section.find("inherit_environment"); v != section.end())
    out.inherit_environment = v->get<std::vector<std::string>>();
  if (auto v = section.find("kill_after_deadline_seconds"); v != section.end())
    out.kill_after_deadline = seconds_to_ms(*v);
  if (auto v = section.find("quarantine_after_crashes"); v != section.end())
    out.quarantine_after_crashes = v->get<unsigned>();
  if (auto v = section.find("restart_backoff_initial_ms"); v != section.end())
    out.restart_backoff_initial = std::chrono::milliseconds(v->get<long long>());
  if (auto v = section.find("restart_backoff_max_ms"); v != section.end())
    out.restart_backoff_max = std::chrono::milliseconds(v->get<long long>());
  if (out.restart_backoff_max < out.restart_backoff_initial)
    throw ConfigError(
        where +
        ".plugin_host.restart_backoff_max_ms: expected at least restart_backoff_initial_ms (" +
        std::to_string(out.restart_backoff_initial.count()) + "), got " +
        std::to_string(out.restart_backoff_max.count()));
  return out;
}

HostConfig parse_host_config(const json& document, const fs::path& base_dir) {
  validate_config_document(document);

  HostConfig config;
  if (auto it = document.find("plugin_dirs"); it != document.end()) {
    config.plugin_dirs.emplace();
    for (const auto& dir : *it)
      config.plugin_dirs->push_back(resolve(base_dir, dir.get<std::string>()));
  }
  if (auto it = document.find("plugins"); it != document.end())
    for (const auto& file : *it)
      config.plugins.push_back(resolve(base_dir, file.get<std::string>()));
  if (auto it = document.find("providers"); it != document.end()) {
    for (const auto& [name, entry] : it->items()) {
      ProviderSettings settings;
      if (auto s = entry.find("settings"); s != entry.end()) settings.settings = *s;
      if (auto c = entry.find("max_concurrency"); c != entry.end())
        settings.max_concurrency = c->get<unsigned>();
      if (auto a = entry.find("max_attempts"); a != entry.end())
        settings.max_attempts = a->get<unsigned>();
      if (auto i = entry.find("isolation"); i != entry.end() && *i == "process")
        settings.isolation.mode = Isolation::process;
      if (auto h = entry.find("plugin_host"); h != entry.end())
        settings.isolation.plugin_host = parse_plugin_host(*h, "config.providers." + name);
      config.providers.emplace(name, std::move(settings));
    }
  }
  if (auto it = document.find("dispatcher"); it != document.end()) {
    DispatcherOptions& d = config.dispatcher;
    const json& section = *it;
    if (section.contains("deadline_margin_seconds"))
      d.deadline_margin = seconds_to_ms(section["deadline_margin_seconds"]);
    if (section.contains("drain_deadline_seconds"))
      d.drain_deadline = seconds_to_ms(section["drain_deadline_seconds"]);
    if (section.contains("max_attempts")) d.max_attempts = section["max_attempts"].get<unsigned>();
    if (section.contains("backoff_initial_ms"))
      d.backoff_initial = std::chrono::milliseconds(section["backoff_initial_ms"].get<long long>());
    if (section.contains("backoff_max_ms"))
      d.backoff_max = std::chrono::milliseconds(section["backoff_max_ms"].get<long long>());
    if (section.contains("max_worker_threads"))
      d.max_worker_threads = section["max_worker_threads"].get<unsigned>();
    if (d.backoff_max < d.backoff_initial)
      throw ConfigError(
          "config.dispatcher.backoff_max_ms: must not be smaller than backoff_initial_ms");
  }
  if (auto it = document.find("log_level"); it != document.end())
    config.log_level = it->get<std::string>();
  return config;
}

json parse_config_text(std::string_view text, const std::string& origin) {
  try {
    return parse_bounded_json(text);
  } catch (const DocumentTextError& e) {
    throw ConfigError(origin + ": " +
                      (e.kind() == DocumentTextError::Kind::syntax ? "not valid JSON" : "refused") +
                      " (line " + std::to_string(e.line()) + ", column " +
                      std::to_string(e.column()) + "): " + e.reason());
  }
}

json read_config_document(const fs::path& file) {
  std::string text;
  try {
    text = read_file_bounded(file, limits::kMaxConfigFileBytes);
  } catch (const FileReadError& e) {
    throw ConfigError(e.what());
  }
  return parse_config_text(text, file.string());
}

HostConfig load_host_config(const fs::path& file) {
  const json document = read_config_document(file);
  try {
    return parse_host_config(document, config_base_dir(file));
  } catch (const ConfigError& e) {
    throw ConfigError(file.string() + ": " + e.what());
  }
}

}  // namespace stopd::core
