// Who is calling, and what they may stop. Bearer tokens are compared by SHA-256 in constant time;
// messages name the token's configured name at most, never the token.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "stopd/core/daemon_config.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::core {

enum class Transport { unix_socket, tcp };

struct Principal {
  std::string name;                    // "unix" for a trusted socket client, else the token's name
  const TokenConfig* token = nullptr;  // null: unrestricted (trusted unix socket)
};

class Authenticator {
 public:
  explicit Authenticator(AuthConfig config);

  // `authorization` is the request's authorization metadata ("Bearer <token>"), empty if absent.
  // Throws sdk::StopError(unauthenticated) for a missing or unknown token where one is required.
  Principal authenticate(Transport transport, std::string_view authorization) const;

  // nullopt when `principal` may stop `target` of `type`; else why not (permission_denied).
  std::optional<std::string> check(const Principal& principal, std::string_view type,
                                   const nlohmann::json& target) const;

  // May `principal` see jobs of `type` (get, list, watch, cancel)?
  bool may_see(const Principal& principal, std::string_view type) const;

 private:
  AuthConfig config_;
};

// Lowercase hex SHA-256 of `token`, for writing a config ("stopd --hash-token").
std::string sha256_hex(std::string_view token);

}  // namespace stopd::core
