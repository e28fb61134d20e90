// The bearer token stopctl sends to the daemon: from --token, --token-file or $STOPD_TOKEN. The
// token itself is never printed: messages name where it came from ("the token from --token-file
// /etc/stopd/ops.token"), never what it is.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "stopd/cli/options.hpp"

namespace stopd::cli {

struct BearerToken {
  std::string value;   // the secret
  std::string source;  // "--token", "--token-file FILE" or "$STOPD_TOKEN"
};

// The token the options (or the environment) name, or nullopt for none. --token and --token-file
// together are a usage error; an unreadable or empty token file a config error; a token a header
// cannot carry (control characters, spaces) a usage error. An empty $STOPD_TOKEN counts as unset.
std::optional<BearerToken> resolve_bearer_token(const ConnectionOptions& options);

// `text` with every occurrence of the token replaced by "<token>": a last guard on anything the
// daemon or gRPC says before it is printed.
std::string redact_token(std::string text, const std::optional<BearerToken>& token);

}  // namespace stopd::cli
