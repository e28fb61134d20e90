#include "auth_detail.hpp"

namespace stopd::core::auth_detail {
namespace {

using nlohmann::json;

std::string show(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr std::size_t kMax = 60;
  if (text.size() > kMax) text = text.substr(0, kMax) + "…";
  return text;
}

std::string allowed_values(const std::vector<json>& values) {
  std::string text;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += (i + 1 == values.size()) ? " or " : ", ";
    text += show(values[i]);
  }
  return text;
}

}  // namespace

bool type_matches(std::string_view pattern, std::string_view type) {
  if (pattern == "*") return true;
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*") {
    const std::string_view prefix = pattern.substr(0, pattern.size() - 1);  // keeps the dot
    return type.size() > prefix.size() && type.substr(0, prefix.size()) == prefix;
  }
  return pattern == type;
}

bool scope_allows_type(const TokenScope& scope, std::string_view type) {
  for (const auto& pattern : scope.types)
    if (type_matches(pattern, type)) return true;
  return false;
}

std::optional<std::string> target_violation(const TokenScope& scope, const json& target) {
  for (const auto& [key, allowed] : scope.target) {
    const json* value = nullptr;
    if (target.is_object())
      if (auto it = target.find(key); it != target.end()) value = &*it;
    if (value == nullptr)
      return "target." + key + " is missing (it must be " + allowed_values(allowed) + ")";
    bool found = false;
    for (const auto& candidate : allowed) found = found || candidate == *value;  // numbers by value
    if (!found)
      return "target." + key + " is " + show(*value) + " (it must be " + allowed_values(allowed) +
             ")";
  }
  return std::nullopt;
}

}  // namespace stopd::core::auth_detail
