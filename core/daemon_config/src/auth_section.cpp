// "auth": what the unix socket grants, and the bearer tokens with their scopes. A token given in
// plaintext is hashed here and the plaintext wiped; only names and hashes go further.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <map>

#include "config_checks.hpp"

namespace stopd::core::config_detail {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Never quotes the value: a plaintext token pasted here by mistake must not reach a log.
std::array<std::uint8_t, 32> parse_sha256(const std::string& text, const std::string& key) {
  const std::string expected =
      "expected 64 hexadecimal digits (the SHA-256 of the token, as `stopd --hash-token` prints "
      "it)";
  if (text.size() != 64)
    fail(key, expected + ", got " + std::to_string(text.size()) + " characters");
  std::array<std::uint8_t, 32> digest{};
  for (std::size_t i = 0; i < digest.size(); ++i) {
    const int high = hex_value(text[2 * i]);
    const int low = hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) fail(key, expected + ", got a character that is not a hex digit");
    digest[i] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return digest;
}

// "*", "a.b.c", or a prefix "a.b.*".
bool valid_type_pattern(const std::string& pattern) {
  if (pattern == "*") return true;
  if (pattern.find_first_of(" \t\r\n") != std::string::npos) return false;
  const auto star = pattern.find('*');
  if (star == std::string::npos) return true;
  return star == pattern.size() - 1 && pattern.size() > 2 && pattern[star - 1] == '.' &&
         pattern.front() != '.';
}

TokenScope parse_scope(const json& entry, const std::string& key) {
  TokenScope scope;
  const json& types = entry["types"];
  for (std::size_t i = 0; i < types.size(); ++i) {
    const std::string pattern = types[i].get<std::string>();
    if (!valid_type_pattern(pattern))
      fail(key + ".types[" + std::to_string(i) + "]",
           "expected a resource type, \"*\" or a prefix ending in \".*\" (such as "
           "\"huaweicloud.*\"), got \"" +
               pattern + "\"");
    scope.types.push_back(pattern);
  }
  if (auto it = entry.find("target"); it != entry.end()) {
    for (const auto& [name, allowed] : it->items()) {
      std::vector<json> values;
      if (allowed.is_array()) {
        values.assign(allowed.begin(), allowed.end());
      } else {
        values.push_back(allowed);
      }
      scope.target.emplace(name, std::move(values));
    }
  }
  return scope;
}

}  // namespace

AuthConfig parse_auth(const json* section, const fs::path& base_dir) {
  AuthConfig auth;
  if (section == nullptr) return auth;
  if (auto it = section->find("unix_socket"); it != section->end())
    auth.unix_socket =
        *it == "token" ? AuthConfig::UnixSocket::token : AuthConfig::UnixSocket::trusted;
  auto tokens = section->find("tokens");
  if (tokens == section->end()) return auth;

  std::map<std::string, std::size_t> index_by_name;
  for (std::size_t i = 0; i < tokens->size(); ++i) {
    const json& entry = (*tokens)[i];
    const std::string key = "config.auth.tokens[" + std::to_string(i) + "]";
    TokenConfig token;
    token.name = entry["name"].get<std::string>();
    if (token.name == "unix")
      fail(key + ".name", "'unix' is reserved: it names the clients of a trusted unix socket");
    if (auto [at, added] = index_by_name.emplace(token.name, i); !added)
      fail(key + ".name", "'" + token.name + "' is already the name of tokens[" +
                              std::to_string(at->second) + "]; token names must be unique");

    if (auto sha = entry.find("sha256"); sha != entry.end()) {
      token.sha256 = parse_sha256(sha->get<std::string>(), key + ".sha256");
    } else {
      std::string secret = resolve_secret(entry["token"], key + ".token", base_dir);
      token.sha256 = token_sha256(secret);
      OPENSSL_cleanse(secret.data(), secret.size());
    }
    for (std::size_t j = 0; j < auth.tokens.size(); ++j)
      if (auth.tokens[j].sha256 == token.sha256)
        fail(key, "the same token as tokens[" + std::to_string(j) + "] ('" + auth.tokens[j].name +
                      "'); every token must be different");

    const json& scopes = entry["scopes"];
    for (std::size_t j = 0; j < scopes.size(); ++j)
      token.scopes.push_back(parse_scope(scopes[j], key + ".scopes[" + std::to_string(j) + "]"));
    auth.tokens.push_back(std::move(token));
  }
  return auth;
}

}  // namespace stopd::core::config_detail

namespace stopd::core {

std::array<std::uint8_t, 32> token_sha256(std::string_view token) {
  std::array<std::uint8_t, 32> digest{};
  unsigned int length = 0;
  if (EVP_Digest(token.data(), token.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != digest.size())
    throw std::runtime_error("SHA-256 failed");
  return digest;
}

}  // namespace stopd::core
