#include "daemon_harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"

namespace stopd::e2e {
namespace {

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace

const char* stopd_path() {
  return STOPD_PATH;
}

// --- TempDir ---

TempDir::TempDir() {
  char pattern[] = "/tmp/stopd-d-XXXXXX";
  if (::mkdtemp(pattern) == nullptr)
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void write_file(const fs::path& file, const std::string& content) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

// --- StopdProcess ---

StopdProcess::StopdProcess(StopdProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), exit_code_(std::exchange(other.exit_code_, {})) {}

StopdProcess& StopdProcess::operator=(StopdProcess&& other) noexcept {
  if (this != &other) {
    kill9();
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = std::exchange(other.exit_code_, {});
  }
  return *this;
}

StopdProcess::~StopdProcess() {
  kill9();
}

StopdProcess StopdProcess::spawn(const std::vector<std::string>& args, const fs::path& log,
                                 const std::string& stdin_text) {
  std::vector<std::string> argv_storage{stopd_path()};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log.string());
  int input[2];
  if (::pipe2(input, O_CLOEXEC) != 0) {
    ::close(log_fd);
    throw std::runtime_error("pipe2 failed");
  }
  const pid_t parent = ::getpid();
  // Only async-signal-safe calls between fork and exec: this process has gRPC threads.
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(input[0], STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(input[0]);
  if (pid < 0) {
    ::close(input[1]);
    throw std::runtime_error("fork failed");
  }
  std::size_t written = 0;
  while (written < stdin_text.size()) {
    const ssize_t n = ::write(input[1], stdin_text.data() + written, stdin_text.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  ::close(input[1]);
  StopdProcess process;
  process.pid_ = pid;
  return process;
}

bool StopdProcess::running() {
  if (pid_ < 0 || exit_code_) return false;
  int status = 0;
  const pid_t result = ::waitpid(pid_, &status, WNOHANG);
  if (result == pid_) {
    exit_code_ = exit_code_of(status);
    return false;
  }
  return result == 0;
}

void StopdProcess::send(int signal) {
  if (running()) ::kill(pid_, signal);
}

std::optional<int> StopdProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
  return exit_code_;
}

void StopdProcess::kill9() {
  if (pid_ < 0) return;
  if (running()) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    exit_code_ = exit_code_of(status);
  }
}

RunResult run_stopd(const std::vector<std::string>& args, const std::string& stdin_text,
                    std::chrono::milliseconds timeout) {
  TempDir dir;
  const fs::path log = dir / "output";
  StopdProcess process = StopdProcess::spawn(args, log, stdin_text);
  RunResult result;
  if (auto code = process.wait_exit(timeout)) result.exit_code = *code;
  process.kill9();
  result.output = read_file(log);
  return result;
}

// --- clients ---

Health health_of(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                 std::chrono::milliseconds timeout) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok())
    return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                   status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
               ? Health::unreachable
               : Health::unknown;
  switch (response.status()) {
    case grpc::health::v1::HealthCheckResponse::SERVING:
      return Health::serving;
    case grpc::health::v1::HealthCheckResponse::NOT_SERVING:
      return Health::not_serving;
    default:
      return Health::unknown;
  }
}

std::shared_ptr<grpc::Channel> unix_channel(const fs::path& socket) {
  grpc::ChannelArguments arguments;
  // Its own connection, not one shared with earlier channels to the same path (which may be in
  // a reconnect backoff from a daemon that is gone).
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // A restarted daemon is reached at once, not after a reconnect backoff.
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
  return grpc::CreateCustomChannel("unix:" + socket.string(), grpc::InsecureChannelCredentials(),
                                   arguments);
}

std::shared_ptr<grpc::Channel> tls_channel(int port, const std::string& ca_pem) {
  return tls_channel(port, ca_pem, "", "");
}

std::shared_ptr<grpc::Channel> tls_channel(int port, const std::string& ca_pem,
                                           const std::string& client_cert_pem,
                                           const std::string& client_key_pem) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca_pem;
  options.pem_cert_chain = client_cert_pem;
  options.pem_private_key = client_key_pem;
  grpc::ChannelArguments arguments;
  arguments.SetSslTargetNameOverride("localhost");
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::SslCredentials(options), arguments);
}

std::unique_ptr<grpc::ClientContext> call_context(std::chrono::milliseconds timeout,
                                                  const std::optional<std::string>& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  if (token) context->AddMetadata("authorization", "Bearer " + *token);
  return context;
}

Certificate make_self_signed_certificate(const fs::path& dir, const std::string& name) {
  Certificate certificate{dir / (name + ".crt"), dir / (name + ".key"), {}, {}};
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
      shell_quote(certificate.key_file.string()) + " -out " +
      shell_quote(certificate.cert_file.string()) + " >" +
      shell_quote((dir / "openssl.log").string()) + " 2>&1";
  if (std::system(command.c_str()) != 0)
    throw std::runtime_error("openssl failed: " + read_file(dir / "openssl.log"));
  certificate.cert_pem = read_file(certificate.cert_file);
  certificate.key_pem = read_file(certificate.key_file);
  return certificate;
}

// --- TestDaemon ---

TestDaemon::TestDaemon(const json& overrides) {
  config_ = {{"listen", {{"unix_socket", socket().string()}}},
             {"journal", {{"file", journal().string()}}},
             {"log_level", "debug"},
             {"drain_timeout_seconds", 5}};
  config_.merge_patch(overrides);
}

TestDaemon::~TestDaemon() {
  process_.kill9();
  // Under -DSTOPD_SANITIZE=ON a finding in the daemon is a failure of the test that ran it.
  const std::string text = log();
  for (const char* finding : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"})
    if (contains(text, finding)) ADD_FAILURE() << "stopd reported \"" << finding << "\"";
  // A failed test shows what the daemon said; STOPD_E2E_LOGS=1 shows it always.
  const char* always = std::getenv("STOPD_E2E_LOGS");
  if (::testing::Test::HasFailure() || (always != nullptr && std::string_view(always) == "1"))
    std::cerr << "----- stopd log (" << log_file().string() << ") -----\n" << log();
}

StopdProcess& TestDaemon::spawn(const std::vector<std::string>& extra_args) {
  process_.kill9();
  write_file(config_file(), config_.dump(2));
  std::vector<std::string> args{"--config", config_file().string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  write_file(log_file(), read_file(log_file()) + "----- stopd starts -----\n");
  process_ = StopdProcess::spawn(args, log_file());
  channel_.reset();
  return process_;
}

void TestDaemon::start(const std::vector<std::string>& extra_args) {
  spawn(extra_args);
  const auto until = std::chrono::steady_clock::now() + kStartTimeout;
  for (;;) {
    if (!process_.running())
      throw std::runtime_error("stopd exited while starting; its log:\n" + log());
    // A new channel for each probe: one whose connection attempt failed would wait out gRPC's
    // reconnect backoff.
    if (fs::exists(socket()) && health_of(unix_channel(socket()), "", 1000ms) == Health::serving)
      break;
    if (std::chrono::steady_clock::now() >= until)
      throw std::runtime_error("stopd did not become SERVING; its log:\n" + log());
    std::this_thread::sleep_for(20ms);
  }
  channel_ = unix_channel(socket());
}

std::optional<int> TestDaemon::terminate(std::chrono::milliseconds timeout) {
  process_.send(SIGTERM);
  return process_.wait_exit(timeout);
}

std::optional<int> TestDaemon::tcp_port() const {
  const std::string text = log();
  static const std::regex kServing(R"(serving unix=\S+ tcp=\S+ port=(\d+))");
  std::optional<int> port;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kServing);
       it != std::sregex_iterator(); ++it)
    port = std::stoi((*it)[1].str());
  return port;
}

std::shared_ptr<grpc::Channel> TestDaemon::channel() {
  if (!channel_) channel_ = unix_channel(socket());
  return channel_;
}

std::unique_ptr<v1::StopService::Stub> TestDaemon::stub() {
  return v1::StopService::NewStub(channel());
}

// --- requests ---

v1::StopRequest stop_pid(pid_t pid, std::optional<double> grace_seconds, bool wait) {
  v1::StopRequest request;
  request.set_type("local.process");
  (*request.mutable_target()->mutable_fields())["pid"].set_number_value(pid);
  if (grace_seconds) request.set_grace_seconds(*grace_seconds);
  request.set_wait(wait);
  return request;
}

v1::Job wait_finished(v1::StopService::Stub& stub, const std::string& id,
                      std::chrono::milliseconds timeout, const std::optional<std::string>& token) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  v1::Job job;
  for (;;) {
    v1::GetJobRequest request;
    request.set_id(id);
    auto context = call_context(kRpcTimeout, token);
    const grpc::Status status = stub.GetJob(context.get(), request, &job);
    if (!status.ok()) throw std::runtime_error("GetJob " + id + ": " + describe(status));
    if (job.state() == v1::JOB_STATE_FINISHED || std::chrono::steady_clock::now() >= until)
      return job;
    std::this_thread::sleep_for(50ms);
  }
}

std::string describe(const grpc::Status& status) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const auto code = static_cast<std::size_t>(status.error_code());
  const std::string name = code < std::size(kNames) ? kNames[code] : std::to_string(code);
  return name + ": " + status.error_message();
}

std::string scrape(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      for (ssize_t n; (n = ::read(fd, buffer, sizeof(buffer))) > 0;)
        response.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return response;
}

bool wait_job_running(v1::StopService::Stub& stub, const std::string& id,
                      std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (wait_finished(stub, id, 0ms).state() != v1::JOB_STATE_RUNNING) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

int TestDaemon::metrics_port() const {
  // The log keeps every start's lines: the last port is the running daemon's.
  const std::string text = log();
  const std::regex line(R"(metrics listen=\S+ port=(\d+))");
  int port = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator();
       ++it)
    port = std::stoi((*it)[1].str());
  return port;
}

}  // namespace stopd::e2e
