// The gRPC server of the daemon: the unix socket (always) and TCP with TLS (optional), the
// services it is given (StopService, BatchService, the standard health and reflection services),
// a cap on message sizes and the threads of listen.max_threads.
#pragma once

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "stopd/daemon_config/daemon_config.hpp"

namespace stopd::api {

// Requests larger than this are refused by gRPC itself (RESOURCE_EXHAUSTED): the largest valid
// stop (a 16 KiB target, 64 KiB of options) fits many times over.
inline constexpr int kMaxReceiveMessageBytes = 1024 * 1024;

// The credentials of the TCP listener: TLS with the configured certificate (and client CA), or
// nullptr when the config has no TCP listener. Reads the files now, so a bad path is reported
// before anything else starts. Throws core::StartupError naming the key.
std::shared_ptr<grpc::ServerCredentials> tcp_credentials(const core::ListenConfig& listen);

struct RunningServer {
  std::unique_ptr<grpc::Server> server;
  std::optional<int> tcp_port;  // the port actually bound
};

// Binds and starts serving `services` (the unix socket gets listen.socket_mode; it is created
// with no permissions for others, so it is never reachable more widely than configured), the
// health and reflection services among them. Throws core::StartupError.
RunningServer start_server(const core::ListenConfig& listen,
                           std::shared_ptr<grpc::ServerCredentials> tcp_credentials,
                           const std::vector<grpc::Service*>& services);

}  // namespace stopd::api
