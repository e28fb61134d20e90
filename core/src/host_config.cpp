#include "stopd/core/host_config.hpp"

#include <fstream>
#include <sstream>

#include "stopd/core/json_schema.hpp"

namespace stopd::core {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::uintmax_t kMaxConfigBytes = 4 * 1024 * 1024;

const char* const kSchemaText = R"json({
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
          "max_attempts": {"type": "integer", "minimum": 1, "maximum": 100}
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
    "log_level": {"enum": ["trace", "debug", "info", "warn", "error", "off"]}
  }
})json";

fs::path resolve(const fs::path& base_dir, const std::string& text) {
  fs::path path(text);
  return path.is_absolute() || base_dir.empty() ? path : base_dir / path;
}

std::chrono::milliseconds seconds_to_ms(const json& value) {
  return std::chrono::milliseconds(static_cast<long long>(value.get<double>() * 1000.0));
}

// Line and column of a byte offset, for JSON syntax errors.
std::string position_of(const std::string& text, std::size_t byte) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

const json& host_config_schema() {
  static const json schema = json::parse(kSchemaText);
  return schema;
}

HostConfig parse_host_config(const json& document, const fs::path& base_dir) {
  static const JsonSchema schema(host_config_schema());
  if (auto error = schema.validate(document, "config")) throw ConfigError(*error);

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

HostConfig load_host_config(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) throw ConfigError(file.string() + ": cannot read the config file: " + ec.message());
  if (size > kMaxConfigBytes)
    throw ConfigError(file.string() + ": " + std::to_string(size) +
                      " bytes is larger than the limit of " + std::to_string(kMaxConfigBytes));
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in.good() && !in.eof()) throw ConfigError(file.string() + ": cannot read the config file");
  const std::string text = buffer.str();
  json document;
  try {
    document = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    // nlohmann's text starts with "[json.exception.parse_error.101] parse error at line…"; keep
    // the part after the category, and add our own position (its byte offset is exact).
    if (auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    throw ConfigError(file.string() + ": not valid JSON (" +
                      position_of(text, e.byte > 0 ? e.byte - 1 : 0) + "): " + what);
  }
  try {
    return parse_host_config(document, file.parent_path());
  } catch (const ConfigError& e) {
    throw ConfigError(file.string() + ": " + e.what());
  }
}

}  // namespace stopd::core
