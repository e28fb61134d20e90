#include "grpc_server.hpp"

#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "stopd/api/daemon.hpp"
#include "stopd/core/grpc_runtime.hpp"
#include "stopd/core/logging.hpp"
#include "unix_socket.hpp"

namespace stopd::api {
namespace {

using core::StartupError;

std::string read_pem(const std::filesystem::path& file, const std::string& key) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw StartupError(core::exit_code::config,
                       key + ": cannot read " + file.string() + ": " + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (content.str().empty())
    throw StartupError(core::exit_code::config, key + ": " + file.string() + " is empty");
  return content.str();
}

}  // namespace

std::shared_ptr<grpc::ServerCredentials> tcp_credentials(const core::ListenConfig& listen) {
  if (!listen.tcp) return nullptr;
  if (!listen.tls) {
    core::host_logger()->warn(
        "listen.tcp {} without TLS (listen.insecure): bearer tokens cross the network in the "
        "clear",
        *listen.tcp);
    return grpc::InsecureServerCredentials();
  }
  const core::TlsConfig& tls = *listen.tls;
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({read_pem(tls.key_file, "config.listen.tls.key"),
                                        read_pem(tls.cert_file, "config.listen.tls.cert")});
  if (tls.client_ca_file) {
    options.pem_root_certs = read_pem(*tls.client_ca_file, "config.listen.tls.client_ca");
    options.client_certificate_request =
        tls.require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  } else if (tls.require_client_cert) {
    throw StartupError(
        core::exit_code::config,
        "config.listen.tls.require_client_cert: needs listen.tls.client_ca to verify the "
        "client certificates against");
  }
  return grpc::SslServerCredentials(options);
}

RunningServer start_server(const core::ListenConfig& listen,
                           std::shared_ptr<grpc::ServerCredentials> tcp_credentials,
                           const std::vector<grpc::Service*>& services) {
  prepare_unix_socket(listen.unix_socket);
  // The socket is bound under a staging name and renamed into place once the server runs with
  // the configured mode, so a client never finds the socket before it is served: gRPC leaves a
  // connection made between its bind and its start without an answer for seconds.
  const StagedSocket staged = stage_unix_socket(listen.unix_socket);

  // The health and reflection services are among `services` (health_service.hpp and
  // reflection_service.hpp say why not gRPC's own).
  grpc::EnableDefaultHealthCheckService(false);
  core::prepare_grpc_runtime();

  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  grpc::ResourceQuota quota("stopd");
  quota.SetMaxThreads(listen.max_threads);
  builder.SetResourceQuota(quota);
  const std::string unix_address = "unix:" + staged.bind_path.string();
  builder.AddListeningPort(unix_address, grpc::InsecureServerCredentials());
  int tcp_port = 0;
  if (listen.tcp) builder.AddListeningPort(*listen.tcp, std::move(tcp_credentials), &tcp_port);
  for (grpc::Service* service : services) builder.RegisterService(service);

  // bind() creates the socket file: with this umask nobody but the owner can use it until it
  // gets the configured mode below.
  const mode_t previous_umask = ::umask(0177);
  RunningServer running;
  running.server = builder.BuildAndStart();
  ::umask(previous_umask);
  if (!running.server)
    throw StartupError(1, "cannot serve on unix:" + listen.unix_socket.string() +
                              (listen.tcp ? " and tcp " + *listen.tcp : std::string()) +
                              " (gRPC's log above says why: an address in use, a bad host:port…)");
  try {
    if (listen.tcp) {
      if (tcp_port == 0)
        throw StartupError(1, "config.listen.tcp: cannot listen on " + *listen.tcp +
                                  " (in use, or not a valid host:port)");
      running.tcp_port = tcp_port;
    }
    set_socket_mode(staged.bind_path, listen.socket_mode);
    publish_unix_socket(staged, listen.unix_socket);
  } catch (...) {
    running.server->Shutdown();
    if (staged.bind_path != listen.unix_socket) ::unlink(staged.bind_path.c_str());
    throw;
  }
  return running;
}

}  // namespace stopd::api
