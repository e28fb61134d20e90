// Who is calling, and what they may stop. Bearer tokens are compared by SHA-256 in constant time;
// messages name the token's configured name at most, never the token.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "stopd/daemon_config/daemon_config.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::core {

enum class Transport { unix_socket, tcp };

struct Principal {
  std::string name;                    // "unix" for a trusted socket client, else the token's name
  const TokenConfig* token = nullptr;  // null: unrestricted (trusted unix socket)
};

// Immutable after construction, so thread-safe. Principals point into it: it outlives them.
class Authenticator {
 public:
  explicit Authenticator(AuthConfig config);

  // `authorization` is the request's authorization metadata ("Bearer <token>": the scheme in any
  // case, spaces around tolerated), empty if absent.
  // - unix socket with auth.unix_socket "trusted": Principal{"unix", nullptr}, whatever
  //   `authorization` says (the socket's file mode is the guard);
  // - otherwise the token must be one of the configured ones. Throws sdk::StopError
  //   (unauthenticated) "missing bearer token" (absent; a malformed value adds what is expected)
  //   or "invalid token" (unknown). Every configured hash is compared, whichever matches.
  Principal authenticate(Transport transport, std::string_view authorization) const;

  // nullopt when `principal` may stop `target` of `type`: some scope of its token has a `types`
  // entry matching `type` (exact, "*", or "prefix.*") and every `target` constraint of that
  // scope holds (the key present, its value one of those allowed). Else why not, for
  // permission_denied: "token 'cdm-bot' may not stop this huaweicloud.cdm.cluster:
  // target.project_id is \"p-9\" (it must be \"p-123\")" or "token 'reader' may not stop
  // resources of type cri.container (its scopes allow local.process)".
  std::optional<std::string> check(const Principal& principal, std::string_view type,
                                   const nlohmann::json& target) const;

  // May `principal` see jobs of `type` (get, list, watch, cancel)? By type only: to keep a token
  // confined to its targets too, also require check(principal, job type, job target) per job.
  bool may_see(const Principal& principal, std::string_view type) const;

 private:
  AuthConfig config_;
};

// Lowercase hex SHA-256 of `token`, for writing a config ("stopd --hash-token").
std::string sha256_hex(std::string_view token);

}  // namespace stopd::core
