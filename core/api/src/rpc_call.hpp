// The frame every unary handler of the daemon runs in: refuse while shutting down, authenticate,
// run the body, and turn whatever it throws into the matching gRPC status.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <string>
#include <string_view>

#include "caller.hpp"
#include "stopd/auth/auth.hpp"

namespace stopd::api {

// How often a handler that sleeps (a Stop that waits, an open watch) asks whether its client
// went away or the daemon is shutting down: the synchronous server tells no one, so a closed
// client frees its thread within this.
inline constexpr std::chrono::milliseconds kCancelCheckInterval{250};

// UNAVAILABLE "stopd is shutting down".
const grpc::Status& shutting_down_status();

// A client's string echoed in a message, quoted and cut short: messages travel in trailers.
std::string echo(const std::string& value);

// Inside a catch block: the status for the exception in flight. Refusals of who the caller is
// are logged with the peer at info; the message names a token's configured name at most.
grpc::Status refusal(std::string_view method, const grpc::ServerContextBase& context);

// Runs `body(principal)` for an accepted, authenticated call.
template <class Body>
grpc::Status serve(std::string_view method, bool accepting,
                   const core::Authenticator& authenticator, const grpc::ServerContextBase& context,
                   Body&& body) {
  if (!accepting) return shutting_down_status();
  try {
    const core::Principal principal = authenticate(authenticator, context);
    return body(principal);
  } catch (...) {
    return refusal(method, context);
  }
}

}  // namespace stopd::api
