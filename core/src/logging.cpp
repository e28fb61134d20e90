#include "stopd/core/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace stopd::core {
namespace {

class PluginLogger final : public sdk::Logger {
 public:
  explicit PluginLogger(std::string plugin) : plugin_(std::move(plugin)) {}
  void log(sdk::LogLevel level, std::string_view message) override {
    host_logger()->log(to_spdlog_level(level), "plugin={} {}", plugin_, message);
  }
  bool enabled(sdk::LogLevel level) const override {
    return host_logger()->should_log(to_spdlog_level(level));
  }

 private:
  std::string plugin_;
};

}  // namespace

std::shared_ptr<spdlog::logger> host_logger() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto created = spdlog::stderr_color_mt("stopd");
    created->set_level(spdlog::level::warn);
    created->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
    return created;
  }();
  return logger;
}

void set_log_level(std::string_view level) {
  static constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"off", spdlog::level::off}};
  for (const auto& [name, value] : kLevels) {
    if (name == level) {
      host_logger()->set_level(value);
      return;
    }
  }
  throw std::invalid_argument("log level '" + std::string(level) +
                              "' is not one of trace, debug, info, warn, error, off");
}

spdlog::level::level_enum to_spdlog_level(sdk::LogLevel level) {
  switch (level) {
    case sdk::LogLevel::trace:
      return spdlog::level::trace;
    case sdk::LogLevel::debug:
      return spdlog::level::debug;
    case sdk::LogLevel::info:
      return spdlog::level::info;
    case sdk::LogLevel::warn:
      return spdlog::level::warn;
    case sdk::LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::shared_ptr<sdk::Logger> make_plugin_logger(std::string plugin_name) {
  return std::make_shared<PluginLogger>(std::move(plugin_name));
}

}  // namespace stopd::core
