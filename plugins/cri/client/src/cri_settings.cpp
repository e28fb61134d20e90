#include "stopd/cri/cri_settings.hpp"

#include <cmath>
#include <stdexcept>
#include <string_view>

namespace stopd::cri {
namespace {

std::chrono::milliseconds seconds_field(const nlohmann::json& settings, const char* name,
                                        std::chrono::milliseconds fallback) {
  const auto it = settings.find(name);
  if (it == settings.end()) return fallback;
  if (!it->is_number())
    throw std::invalid_argument(std::string("settings.") + name + ": expected a number of seconds");
  return std::chrono::milliseconds(std::llround(it->get<double>() * 1000.0));
}

}  // namespace

std::string normalise_endpoint(const std::string& endpoint) {
  std::string_view path = endpoint;
  if (path.starts_with("unix://"))
    path.remove_prefix(7);
  else if (path.starts_with("unix:"))
    path.remove_prefix(5);
  if (!path.starts_with('/'))
    throw std::invalid_argument(
        "settings.endpoint: expected unix:///absolute/path.sock or an "
        "absolute socket path, got '" +
        endpoint.substr(0, 200) + "'");
  return "unix://" + std::string(path);
}

CriSettings parse_settings(const nlohmann::json& settings) {
  CriSettings parsed;
  if (!settings.is_object()) return parsed;
  if (const auto it = settings.find("endpoint"); it != settings.end()) {
    if (!it->is_string()) throw std::invalid_argument("settings.endpoint: expected a string");
    parsed.endpoint = normalise_endpoint(it->get<std::string>());
  }
  parsed.call_timeout = seconds_field(settings, "call_timeout_seconds", parsed.call_timeout);
  parsed.stop_margin = seconds_field(settings, "stop_margin_seconds", parsed.stop_margin);
  return parsed;
}

}  // namespace stopd::cri
