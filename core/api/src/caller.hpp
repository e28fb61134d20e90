// Who is calling: the transport the call came in on (the peer address says: "unix:…" for the
// unix socket, anything else is TCP) and its bearer token, authenticated.
#pragma once

#include <grpcpp/server_context.h>

#include <string_view>

#include "stopd/auth/auth.hpp"

namespace stopd::api {

core::Transport transport_of(std::string_view peer);

// Throws sdk::StopError(unauthenticated). The token itself goes nowhere else.
core::Principal authenticate(const core::Authenticator& authenticator,
                             const grpc::ServerContextBase& context);

}  // namespace stopd::api
