#include "api_router.hpp"

#include <cctype>

namespace stopd::hwemu {
namespace {

std::string percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::optional<std::vector<std::string>> decoded_segments(const std::string& raw_path) {
  if (raw_path.empty() || raw_path.front() != '/') return std::nullopt;
  std::vector<std::string> segments;
  std::size_t start = 1;
  for (;;) {
    const auto slash = raw_path.find('/', start);
    const std::string raw =
        raw_path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (raw.empty()) return std::nullopt;
    segments.push_back(percent_decode(raw));
    if (slash == std::string::npos) return segments;
    start = slash + 1;
  }
}

void ApiRouter::add(std::vector<Route> routes) {
  for (auto& route : routes) routes_.push_back(std::move(route));
}

bool ApiRouter::fits(const Route& route, const std::vector<std::string>& segments) {
  if (route.pattern.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i)
    if (route.pattern[i] != "*" && route.pattern[i] != segments[i]) return false;
  return true;
}

std::optional<RouteMatch> ApiRouter::match(const std::string& method,
                                           const std::vector<std::string>& segments) const {
  for (const auto& route : routes_) {
    if (route.method != method || !fits(route, segments)) continue;
    RouteMatch found{&route, {}};
    for (std::size_t i = 0; i < segments.size(); ++i)
      if (route.pattern[i] == "*") found.params.push_back(segments[i]);
    return found;
  }
  return std::nullopt;
}

std::optional<Service> ApiRouter::service_of(const std::vector<std::string>& segments) const {
  for (const auto& route : routes_)
    if (fits(route, segments)) return route.service;
  return std::nullopt;
}

}  // namespace stopd::hwemu
