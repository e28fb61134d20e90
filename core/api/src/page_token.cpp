#include "page_token.hpp"

#include <algorithm>

namespace stopd::api {
namespace {

constexpr std::string_view kPrefix = "p1.";
constexpr std::size_t kMaxIdBytes = 128;

bool id_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::string encode_page_token(std::string_view last_job_id) {
  std::string token(kPrefix);
  token.append(last_job_id);
  return token;
}

std::optional<std::string> decode_page_token(std::string_view token) {
  if (!token.starts_with(kPrefix)) return std::nullopt;
  token.remove_prefix(kPrefix.size());
  if (token.empty() || token.size() > kMaxIdBytes ||
      !std::all_of(token.begin(), token.end(), id_character))
    return std::nullopt;
  return std::string(token);
}

}  // namespace stopd::api
