// A failed RPC as the CliError stopctl ends with: the exit code of its status class
// (UNAVAILABLE 15, UNAUTHENTICATED 12, PERMISSION_DENIED 13, INVALID_ARGUMENT 11, NOT_FOUND 10,
// DEADLINE_EXCEEDED 16, the rest as core/grpc_status.hpp maps them) and a message that says what
// went wrong and what to do about it. Never the token: only where it came from.
#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <optional>
#include <string>

#include "stopd/cli/cli_error.hpp"

namespace stopd::cli {

// What a message about a failed RPC may mention.
struct RpcErrorContext {
  std::string endpoint;      // "unix:/run/stopd/stopd.sock", "10.0.0.1:7443 (TLS)"
  bool connected = false;    // the channel was up: UNAVAILABLE came from the daemon itself
  std::string token_source;  // "" without a token, else "--token-file FILE" etc.
  std::chrono::milliseconds timeout{0};  // the call's deadline, 0 for none
  bool timeout_given = false;            // the deadline is --timeout, not stopctl's default
};

// `status` must not be OK. Its message is assumed free of the token (the caller redacts it).
CliError rpc_error(const grpc::Status& status, const RpcErrorContext& context);

}  // namespace stopd::cli
