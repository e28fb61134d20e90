#include "caller.hpp"

#include <string>

namespace stopd::api {

core::Transport transport_of(std::string_view peer) {
  // unix:/path and unix-abstract:name; everything unknown counts as the stricter TCP.
  return peer.starts_with("unix:") || peer.starts_with("unix-abstract:")
             ? core::Transport::unix_socket
             : core::Transport::tcp;
}

core::Principal authenticate(const core::Authenticator& authenticator,
                             const grpc::ServerContextBase& context) {
  std::string_view authorization;
  const auto& metadata = context.client_metadata();
  if (const auto it = metadata.find("authorization"); it != metadata.end())
    authorization = std::string_view(it->second.data(), it->second.size());
  return authenticator.authenticate(transport_of(context.peer()), authorization);
}

}  // namespace stopd::api
