#include "auth_detail.hpp"

namespace stopd::core::auth_detail {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  const std::string_view text = trim(authorization);
  constexpr std::string_view kScheme = "bearer";
  if (text.size() <= kScheme.size() || !is_space(text[kScheme.size()]) ||
      !equals_ignoring_case(text.substr(0, kScheme.size()), kScheme))
    return std::nullopt;
  const std::string_view token = trim(text.substr(kScheme.size()));
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace stopd::core::auth_detail
