// Running the real `stopd` binary for end-to-end tests: a temporary directory with its config,
// socket, journal and log; start and wait for health SERVING; kill -9, SIGTERM, restart; gRPC
// clients (the generated stubs) over the unix socket or TCP + TLS. Every daemon a test starts
// is killed and reaped when its TestDaemon goes, also when the test failed half-way, and dies
// with the test process if that crashes (PR_SET_PDEATHSIG).
#pragma once

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stopd/v1/stopd.grpc.pb.h"

namespace stopd::e2e {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

// Slow builds (sanitizers) and a busy 2-core machine: bounds for waiting on the outside world.
inline constexpr std::chrono::milliseconds kStartTimeout{30'000};
inline constexpr std::chrono::milliseconds kRpcTimeout{10'000};

const char* stopd_path();

// A fresh directory under /tmp (short: a unix socket path must fit in 108 bytes), removed with
// everything in it when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(std::string_view name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& file);  // empty if missing
void write_file(const fs::path& file, const std::string& content);

// One stopd process; its stdout and stderr are appended to a log file.
class StopdProcess {
 public:
  StopdProcess() = default;
  StopdProcess(StopdProcess&& other) noexcept;
  StopdProcess& operator=(StopdProcess&& other) noexcept;
  StopdProcess(const StopdProcess&) = delete;
  StopdProcess& operator=(const StopdProcess&) = delete;
  ~StopdProcess();  // kill9()

  static StopdProcess spawn(const std::vector<std::string>& args, const fs::path& log,
                            const std::string& stdin_text = "");

  pid_t pid() const { return pid_; }
  bool running();  // reaps it once it has exited
  void send(int signal);
  // The exit code (128 + N for death by signal N), or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  void kill9();  // SIGKILL and reap; safe to repeat

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

struct RunResult {
  int exit_code = -1;  // -1: still running at the timeout (then killed)
  std::string output;  // stdout and stderr together
};

// Runs stopd to completion with `args` and `stdin_text`.
RunResult run_stopd(const std::vector<std::string>& args, const std::string& stdin_text = "",
                    std::chrono::milliseconds timeout = kStartTimeout);

enum class Health { serving, not_serving, unknown, unreachable };
Health health_of(const std::shared_ptr<grpc::Channel>& channel, const std::string& service = "",
                 std::chrono::milliseconds timeout = 1000ms);

std::shared_ptr<grpc::Channel> unix_channel(const fs::path& socket);
// TCP + TLS to 127.0.0.1:port, trusting `ca_pem` and expecting a certificate for "localhost".
std::shared_ptr<grpc::Channel> tls_channel(int port, const std::string& ca_pem);
// The same, presenting a client certificate.
std::shared_ptr<grpc::Channel> tls_channel(int port, const std::string& ca_pem,
                                           const std::string& client_cert_pem,
                                           const std::string& client_key_pem);

// A client context with a deadline and, if given, "authorization: Bearer <token>".
std::unique_ptr<grpc::ClientContext> call_context(
    std::chrono::milliseconds timeout = kRpcTimeout,
    const std::optional<std::string>& token = std::nullopt);

// A self-signed certificate for localhost and 127.0.0.1, made with the openssl CLI.
struct Certificate {
  fs::path cert_file;
  fs::path key_file;
  std::string cert_pem;
  std::string key_pem;
};
// `name` names the files (<name>.crt, <name>.key).
Certificate make_self_signed_certificate(const fs::path& dir, const std::string& name = "server");

// One daemon under test: its temporary directory, its config (the base below merged with the
// test's overrides, RFC 7386), its process and its log.
//   {"listen": {"unix_socket": DIR/stopd.sock}, "journal": {"file": DIR/journal.db},
//    "log_level": "debug", "drain_timeout_seconds": 5}
class TestDaemon {
 public:
  explicit TestDaemon(const json& overrides = json::object());
  ~TestDaemon();  // kills it; prints its log if the test failed (or STOPD_E2E_LOGS=1)

  const fs::path& dir() const { return dir_.path(); }
  fs::path socket() const { return dir() / "stopd.sock"; }
  fs::path journal() const { return dir() / "journal.db"; }
  fs::path config_file() const { return dir() / "stopd.json"; }
  fs::path log_file() const { return dir() / "stopd.log"; }
  json& config() { return config_; }

  // Writes the config, starts stopd and waits until health says SERVING. Throws
  // std::runtime_error with the log if it exits or never gets there.
  void start(const std::vector<std::string>& extra_args = {});
  // Spawns stopd on the config without waiting for anything.
  StopdProcess& spawn(const std::vector<std::string>& extra_args = {});
  StopdProcess& process() { return process_; }
  void kill9() { process_.kill9(); }
  // SIGTERM, then the exit code (nullopt if it did not exit within `timeout`).
  std::optional<int> terminate(std::chrono::milliseconds timeout);

  std::string log() const { return read_file(log_file()); }
  // The TCP port from the "serving … port=N" log line; nullopt if none.
  std::optional<int> tcp_port() const;
  // The metrics endpoint's port, from the log ("metrics listen=… port=N") of the last start; 0
  // if not serving.
  int metrics_port() const;

  std::shared_ptr<grpc::Channel> channel();  // to the unix socket, new after each start
  std::unique_ptr<v1::StopService::Stub> stub();

 private:
  TempDir dir_;
  json config_;
  StopdProcess process_;
  std::shared_ptr<grpc::Channel> channel_;
};

// StopRequest for local.process {"pid": pid}; grace nullopt: the default.
v1::StopRequest stop_pid(pid_t pid, std::optional<double> grace_seconds = std::nullopt,
                         bool wait = false);

// Polls GetJob until the job is finished; the last job seen. Throws on an RPC error.
v1::Job wait_finished(v1::StopService::Stub& stub, const std::string& id,
                      std::chrono::milliseconds timeout,
                      const std::optional<std::string>& token = std::nullopt);

// GET /metrics from 127.0.0.1:port; the whole response, headers included.
std::string scrape(int port);

// Polls GetJob until the job is running (its provider has it); false after `timeout`.
bool wait_job_running(v1::StopService::Stub& stub, const std::string& id,
                      std::chrono::milliseconds timeout);

// "CODE: message" of a status, for assertion messages.
std::string describe(const grpc::Status& status);

inline bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace stopd::e2e
