// The emulator as a server: cpp-httplib underneath, every service request through one path —
// faults, routing on the raw path, authentication, the service's handler, the request log — and
// the control endpoints under /_emulator/ (health, state, requests, faults, reset).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api_router.hpp"
#include "authenticator.hpp"
#include "cloud_state.hpp"
#include "fault_injector.hpp"
#include "fixture.hpp"
#include "request_log.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace stopd::hwemu {

class EmulatorServer {
 public:
  // With `tls` (certificate and key PEM files) it serves HTTPS. Throws std::runtime_error when
  // they cannot be loaded.
  struct TlsFiles {
    std::string certificate;
    std::string key;
  };
  EmulatorServer(Fixture fixture, FaultSettings faults, std::optional<TlsFiles> tls = {});
  ~EmulatorServer();
  EmulatorServer(const EmulatorServer&) = delete;
  EmulatorServer& operator=(const EmulatorServer&) = delete;

  // Binds `host`:`port` (0 = any free port) and returns the port. Throws std::runtime_error.
  int bind(const std::string& host, int port);
  // Serves until stop(). Blocks.
  void serve();
  // Ends serve(), waking requests that hang. Safe from any thread.
  void stop();

 private:
  void handle(const httplib::Request& request, httplib::Response& response);
  void handle_control(const httplib::Request& request, httplib::Response& response,
                      const std::string& path);
  // Sleeps `duration` unless stop() comes first; false if it did.
  bool pause(std::chrono::milliseconds duration);

  const Fixture fixture_;
  const FaultSettings initial_faults_;
  CloudState state_;
  Authenticator authenticator_;
  FaultInjector faults_;
  RequestLog log_;
  ApiRouter router_;
  std::unique_ptr<httplib::Server> server_;
  int listen_socket_ = -1;

  std::mutex stop_mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
};

// A fresh request id: 32 hex digits.
std::string new_request_id();

}  // namespace stopd::hwemu
