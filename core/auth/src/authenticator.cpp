#include <openssl/crypto.h>

#include "auth_detail.hpp"
#include "stopd/auth/auth.hpp"

namespace stopd::core {
namespace {

using sdk::Code;
using sdk::StopError;

std::string patterns_of(const TokenConfig& token) {
  std::string text;
  for (const auto& scope : token.scopes)
    for (const auto& pattern : scope.types) text += (text.empty() ? "" : ", ") + pattern;
  return text;
}

}  // namespace

Authenticator::Authenticator(AuthConfig config) : config_(std::move(config)) {}

Principal Authenticator::authenticate(Transport transport, std::string_view authorization) const {
  if (transport == Transport::unix_socket && config_.unix_socket == AuthConfig::UnixSocket::trusted)
    return Principal{"unix", nullptr};

  const auto token = auth_detail::bearer_token(authorization);
  if (!token) {
    if (authorization.find_first_not_of(" \t") == std::string_view::npos)
      throw StopError(Code::unauthenticated, "missing bearer token");
    throw StopError(Code::unauthenticated,
                    "missing bearer token: the authorization metadata must be \"Bearer <token>\"");
  }
  auto digest = token_sha256(*token);
  // Compares against every configured hash, whichever matches, so the time taken tells nothing
  // about which token (if any) matched or how much of it did.
  const std::size_t none = config_.tokens.size();
  std::size_t found = none;
  for (std::size_t i = 0; i < config_.tokens.size(); ++i) {
    const auto equal = static_cast<std::size_t>(
        CRYPTO_memcmp(digest.data(), config_.tokens[i].sha256.data(), digest.size()) == 0);
    const std::size_t mask = std::size_t{0} - equal;  // all ones when equal
    found = (i & mask) | (found & ~mask);
  }
  OPENSSL_cleanse(digest.data(), digest.size());
  if (found == none) throw StopError(Code::unauthenticated, "invalid token");
  const TokenConfig& match = config_.tokens[found];
  return Principal{match.name, &match};
}

std::optional<std::string> Authenticator::check(const Principal& principal, std::string_view type,
                                                const nlohmann::json& target) const {
  if (principal.token == nullptr) return std::nullopt;
  const TokenConfig& token = *principal.token;
  std::optional<std::string> violation;
  for (const auto& scope : token.scopes) {
    if (!auth_detail::scope_allows_type(scope, type)) continue;
    auto why = auth_detail::target_violation(scope, target);
    if (!why) return std::nullopt;
    if (!violation) violation = std::move(why);
  }
  if (violation)
    return "token '" + token.name + "' may not stop this " + std::string(type) + ": " + *violation;
  return "token '" + token.name + "' may not stop resources of type " + std::string(type) +
         " (its scopes allow " + patterns_of(token) + ")";
}

bool Authenticator::may_see(const Principal& principal, std::string_view type) const {
  if (principal.token == nullptr) return true;
  for (const auto& scope : principal.token->scopes)
    if (auth_detail::scope_allows_type(scope, type)) return true;
  return false;
}

}  // namespace stopd::core
