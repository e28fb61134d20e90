// The daemon's round trip: Stop(wait) through a real `stopd` over its unix socket with a no-op
// provider, against a bare gRPC echo service served the same way (its own process, unix socket,
// synchronous server) and called by the same client code, in the same run. Reports p50, p99 and
// p99.9 at concurrency 1 (the calls interleaved, so noise hits them alike) and throughput at
// concurrency 64, a Stop without wait (answered once the job is journaled as accepted), the
// daemon's floor (its cheapest call, refused at once, against the echo refusing the same way) and
// the journal's write time from the daemon's own metrics. Target: Stop p50 ≤ 1.3× echo p50,
// journal on. One more echo has gRPC's health service (a callback-API service) beside it: what a
// single callback method costs every synchronous call of a server (core/api/src/job_watch.hpp).
//
//   stopd_bench_rpc [--calls 2000] [--concurrency 64] [--seconds 5] [--sync full|normal]
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "forked_children.hpp"
#include "stopd/bench/echo.grpc.pb.h"
#include "stopd/v1/stopd.grpc.pb.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr char kRefuseMe[] = "refuse me";

class EchoService final : public stopd::bench::Echo::Service {
  grpc::Status Call(grpc::ServerContext*, const stopd::bench::EchoMessage* request,
                    stopd::bench::EchoMessage* reply) override {
    // The same refusal the daemon's floor call gets: gRPC's error path costs more than its OK
    // path, so the floor is compared with this.
    if (request->payload() == kRefuseMe)
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "id: required (a job id)");
    reply->set_payload(request->payload());
    return grpc::Status::OK;
  }
};

// `with_callback_method`: gRPC's default health service beside it, which uses the callback API.
[[noreturn]] void serve_echo(const std::string& socket, bool with_callback_method) {
  EchoService service;
  grpc::EnableDefaultHealthCheckService(with_callback_method);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + socket, grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  server->Wait();
  std::exit(0);
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return fallback;
}

pid_t spawn(const std::vector<std::string>& args) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

void stop_process(pid_t pid) {
  kill(pid, SIGTERM);
  for (int i = 0; i < 200; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

struct Latency {
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
};

// Calls each of `calls` `count` times, interleaved (a, b, c, a, b, c…), so a noisy neighbour
// slows every series alike and the ratios between them hold.
std::vector<Latency> interleaved_latencies(
    const std::vector<std::function<void(std::size_t)>>& calls, std::size_t count) {
  for (std::size_t i = 0; i < 100; ++i)  // warm-up: connection, allocator, caches
    for (const auto& call : calls) call(i);
  std::vector<std::vector<double>> samples(calls.size());
  for (auto& each : samples) each.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t k = 0; k < calls.size(); ++k) {
      const auto start = Clock::now();
      calls[k](1'000'000 + i);
      samples[k].push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
  }
  std::vector<Latency> out;
  for (auto& each : samples)
    out.push_back({stopd::bench::percentile(each, 50), stopd::bench::percentile(each, 99),
                   stopd::bench::percentile(each, 99.9)});
  return out;
}

// Calls per second from `concurrency` threads calling `call` for `seconds`.
template <class Call>
double throughput(Call&& call, std::size_t concurrency, double seconds) {
  std::atomic<std::size_t> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (std::size_t t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        call(10'000'000 * (t + 2) + i);
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& thread : threads) thread.join();
  return static_cast<double>(done.load()) /
         std::chrono::duration<double>(Clock::now() - start).count();
}

// The socket file first: a channel whose first connection fails backs off for a second or more.
bool wait_for_socket(const fs::path& socket) {
  for (int i = 0; i < 400 && !fs::exists(socket); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return fs::exists(socket);
}

template <class Probe>
bool wait_until_serving(Probe&& probe) {
  for (int i = 0; i < 400; ++i) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

// Sum and count of the journal write histogram, from the daemon's Prometheus endpoint.
std::pair<double, double> journal_writes(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return {0, 0};
  }
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
  (void)!write(fd, request.data(), request.size());
  std::string body;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;)
    body.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  std::smatch sum;
  std::smatch count;
  const std::regex sum_line(R"(stopd_journal_write_seconds_sum\S* ([0-9.e+-]+))");
  const std::regex count_line(R"(stopd_journal_write_seconds_count\S* ([0-9.e+-]+))");
  if (!std::regex_search(body, sum, sum_line) || !std::regex_search(body, count, count_line))
    return {0, 0};
  return {std::stod(sum[1]), std::stod(count[1])};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--serve-echo") serve_echo(argv[2], false);
  if (argc == 3 && std::string(argv[1]) == "--serve-echo-with-callback-method")
    serve_echo(argv[2], true);
  const auto calls = static_cast<std::size_t>(std::stoul(arg(argc, argv, "--calls", "2000")));
  const auto concurrency =
      static_cast<std::size_t>(std::stoul(arg(argc, argv, "--concurrency", "64")));
  const double seconds = std::stod(arg(argc, argv, "--seconds", "5"));
  const std::string sync = arg(argc, argv, "--sync", "full");

  const fs::path dir = fs::temp_directory_path() / ("stopd-bench-rpc-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string self = fs::read_symlink("/proc/self/exe").string();

  // Echo baseline in its own process.
  const std::string echo_socket = (dir / "echo.sock").string();
  const pid_t echo = spawn({self, "--serve-echo", echo_socket});
  wait_for_socket(echo_socket);
  auto echo_channel =
      grpc::CreateChannel("unix:" + echo_socket, grpc::InsecureChannelCredentials());
  auto echo_stub = stopd::bench::Echo::NewStub(echo_channel);
  const auto echo_call_to = [&](stopd::bench::Echo::Stub& stub, std::size_t i) {
    grpc::ClientContext context;
    stopd::bench::EchoMessage request;
    stopd::bench::EchoMessage reply;
    request.set_payload("resource-" + std::to_string(i));
    if (!stub.Call(&context, request, &reply).ok()) throw std::runtime_error("echo call failed");
  };
  const auto echo_call = [&](std::size_t i) { echo_call_to(*echo_stub, i); };
  const std::string mixed_echo_socket = (dir / "echo-with-callback-method.sock").string();
  const pid_t mixed_echo = spawn({self, "--serve-echo-with-callback-method", mixed_echo_socket});
  wait_for_socket(mixed_echo_socket);
  auto mixed_echo_stub = stopd::bench::Echo::NewStub(
      grpc::CreateChannel("unix:" + mixed_echo_socket, grpc::InsecureChannelCredentials()));
  const auto mixed_echo_call = [&](std::size_t i) { echo_call_to(*mixed_echo_stub, i); };
  const auto echo_refused_call = [&](std::size_t) {
    grpc::ClientContext context;
    stopd::bench::EchoMessage request;
    stopd::bench::EchoMessage reply;
    request.set_payload(kRefuseMe);
    if (echo_stub->Call(&context, request, &reply).error_code() !=
        grpc::StatusCode::INVALID_ARGUMENT)
      throw std::runtime_error("echo refusal failed");
  };
  if (!wait_until_serving([&] {
        try {
          echo_call(0);
          mixed_echo_call(0);
          return true;
        } catch (...) {
          return false;
        }
      })) {
    std::cerr << "the echo server did not come up\n";
    return 1;
  }
  // stopd with the no-op provider and its journal on.
  const std::string socket = (dir / "stopd.sock").string();
  const int metrics_port = free_port();
  const nlohmann::json config = {
      {"plugin_dirs", {STOPD_BENCH_PLUGIN_DIR}},
      {"listen", {{"unix_socket", socket}}},
      {"journal", {{"file", (dir / "journal.db").string()}, {"sync", sync}}},
      {"metrics", {{"listen", "127.0.0.1:" + std::to_string(metrics_port)}}},
      {"log_level", "warn"}};
  std::ofstream(dir / "stopd.json") << config.dump(2);
  const pid_t daemon = spawn({STOPD_DAEMON_PATH, "--config", (dir / "stopd.json").string()});
  wait_for_socket(socket);
  auto channel = grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials());
  auto stub = stopd::v1::StopService::NewStub(channel);
  std::atomic<std::size_t> failures{0};
  const auto stop = [&](std::size_t i, bool wait) {
    grpc::ClientContext context;
    stopd::v1::StopRequest request;
    stopd::v1::Job job;
    request.set_type("bench.noop");
    (*request.mutable_target()->mutable_fields())["id"].set_string_value(
        (wait ? "resource-" : "accepted-") + std::to_string(i));
    request.set_wait(wait);
    const auto status = stub->Stop(&context, request, &job);
    if (!status.ok() || (wait && job.outcome().code() != "stopped")) failures.fetch_add(1);
  };
  // Stop(wait): answered when the stop has ended and its end is journaled (one write).
  const auto stop_call = [&](std::size_t i) { stop(i, true); };
  // Stop: answered once the job is journaled as accepted; its end is journaled after the answer.
  const auto accept_call = [&](std::size_t i) { stop(i, false); };
  const bool up = wait_until_serving([&] {
    grpc::ClientContext context;
    stopd::v1::ListProvidersRequest request;
    stopd::v1::ListProvidersResponse response;
    return stub->ListProviders(&context, request, &response).ok();
  });
  if (!up) {
    std::cerr << "stopd did not come up (config " << (dir / "stopd.json") << ")\n";
    stop_process(daemon);
    stop_process(echo);
    stop_process(mixed_echo);
    return 1;
  }
  // The daemon's cheapest call, refused before any work: its gRPC server, auth and error path.
  const auto floor_call = [&](std::size_t) {
    grpc::ClientContext context;
    stopd::v1::GetJobRequest request;  // no id: INVALID_ARGUMENT
    stopd::v1::Job job;
    if (stub->GetJob(&context, request, &job).error_code() != grpc::StatusCode::INVALID_ARGUMENT)
      failures.fetch_add(1);
  };
  const auto [sum_before, count_before] = journal_writes(metrics_port);
  const std::vector<Latency> latency = interleaved_latencies(
      {echo_call, stop_call, floor_call, echo_refused_call, accept_call, mixed_echo_call}, calls);
  const auto [sum_serial, count_serial] = journal_writes(metrics_port);
  const double echo_throughput = throughput(echo_call, concurrency, seconds);
  const double stop_throughput = throughput(stop_call, concurrency, seconds);
  const auto [sum_after, count_after] = journal_writes(metrics_port);
  stop_process(daemon);
  stop_process(echo);
  stop_process(mixed_echo);
  fs::remove_all(dir);

  const auto mean_us = [](double sum, double count) { return count > 0 ? sum / count * 1e6 : 0; };
  const double serial_writes = count_serial - count_before;
  const double serial_write_us = mean_us(sum_serial - sum_before, serial_writes);
  const double loaded_writes = count_after - count_serial;
  const double loaded_write_us = mean_us(sum_after - sum_serial, loaded_writes);
  const auto row = [](const Latency& l) {
    std::ostringstream out;
    out << "p50 " << l.p50_us << " us, p99 " << l.p99_us << " us, p99.9 " << l.p999_us << " us";
    return out.str();
  };
  std::cout << "calls=" << calls
            << " each, interleaved (concurrency 1); concurrency=" << concurrency << " for "
            << seconds << " s each; journal sync=" << sync << "\n"
            << "echo:        " << row(latency[0]) << ", " << echo_throughput << " calls/s at "
            << concurrency << "\n"
            << "stopd Stop:  " << row(latency[1]) << ", " << stop_throughput << " stops/s at "
            << concurrency << "\n"
            << "stopd Stop without wait: " << row(latency[4])
            << " (answered once journaled as accepted)\n"
            << "stopd floor: " << row(latency[2])
            << " (GetJob refused at once: gRPC server, auth, error path)\n"
            << "echo refused: " << row(latency[3]) << " (the same refusal from the echo)\n"
            << "echo + callback method: " << row(latency[5])
            << " (the echo with gRPC's callback-API health service beside it)\n"
            << "ratio p50 Stop(wait)/echo: " << latency[1].p50_us / latency[0].p50_us
            << " (target <= 1.3); Stop without wait/echo: " << latency[4].p50_us / latency[0].p50_us
            << "; floor/echo refused: " << latency[2].p50_us / latency[3].p50_us
            << "; echo + callback method/echo: " << latency[5].p50_us / latency[0].p50_us << "\n"
            << "journal at concurrency 1: " << serial_writes << " writes for " << 2 * (calls + 100)
            << " Stops (half of them with wait), mean " << serial_write_us << " us each\n"
            << "journal at concurrency " << concurrency << ": " << loaded_writes
            << " writes (group commits; with sync=normal, intent-log appends), mean "
            << loaded_write_us << " us each\n"
            << "failed calls: " << failures.load() << "\n";
  return failures.load() == 0 ? 0 : 1;
}
