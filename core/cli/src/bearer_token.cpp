#include "stopd/cli/bearer_token.hpp"

#include <cstdlib>
#include <cstring>

#include "stopd/cli/cli_error.hpp"
#include "stopd/core/bounded_read.hpp"

namespace stopd::cli {
namespace {

// Larger than any token anyone writes; a bigger file is the wrong file.
constexpr std::size_t kMaxTokenBytes = 4096;

// What an HTTP/2 header value may hold, without the characters that would be trimmed or make the
// "Bearer <token>" value ambiguous.
bool header_safe(std::string_view token) {
  for (const char c : token)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

std::string read_token_file(const std::string& file) {
  if (file.empty()) throw usage_error("--token-file: the file name is empty");
  std::string token;
  try {
    token = core::read_file_bounded(file, kMaxTokenBytes);
  } catch (const core::FileReadError& e) {
    throw config_error("--token-file " + std::string(e.what()));
  }
  // The trailing newline an editor or `echo` adds is not part of the token.
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) throw config_error("--token-file " + file + ": the file is empty");
  return token;
}

}  // namespace

std::optional<BearerToken> resolve_bearer_token(const ConnectionOptions& options) {
  if (options.token && options.token_file)
    throw usage_error("--token and --token-file cannot be used together: give the token once");
  BearerToken token;
  if (options.token) {
    token = {*options.token, "--token"};
    if (token.value.empty()) throw usage_error("--token: the token is empty");
  } else if (options.token_file) {
    token = {read_token_file(*options.token_file), "--token-file " + *options.token_file};
  } else if (const char* env = std::getenv("STOPD_TOKEN"); env != nullptr && *env != '\0') {
    token = {env, "$STOPD_TOKEN"};
  } else {
    return std::nullopt;
  }
  if (token.value.size() > kMaxTokenBytes)
    throw usage_error("the token from " + token.source + " is too long (at most " +
                      std::to_string(kMaxTokenBytes) + " bytes)");
  if (!header_safe(token.value))
    throw usage_error("the token from " + token.source +
                      " contains spaces or control characters, which a request header cannot "
                      "carry");
  return token;
}

std::string redact_token(std::string text, const std::optional<BearerToken>& token) {
  if (!token || token->value.empty()) return text;
  constexpr std::string_view kShown = "<token>";
  for (std::size_t at = text.find(token->value); at != std::string::npos;
       at = text.find(token->value, at + kShown.size()))
    text.replace(at, token->value.size(), kShown);
  return text;
}

}  // namespace stopd::cli
