// Resident memory of the daemon per job in flight: N real processes that ignore SIGTERM, each
// stopped through stopd with a long grace so all N jobs stay in flight; the daemon's RSS before
// and after, divided by N. Target: ≤ 2 KiB per in-flight job above the idle daemon.
//
//   stopd_bench_daemon_memory [--jobs 10000] [--clients 32]
//
// The baseline is the daemon after a warm-up of dry runs at the same client concurrency.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "forked_children.hpp"
#include "stopd/v1/stopd.grpc.pb.h"

namespace {

namespace fs = std::filesystem;

long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t jobs = stopd::bench::flag_value(argc, argv, "--jobs", 10000);
  const std::size_t clients = stopd::bench::flag_value(argc, argv, "--clients", 32);
  const fs::path dir =
      fs::temp_directory_path() / ("stopd-bench-memory-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string socket = (dir / "stopd.sock").string();
  const nlohmann::json config = {{"plugin_dirs", {STOPD_PLUGIN_BUILD_DIR}},
                                 {"listen", {{"unix_socket", socket}}},
                                 {"journal", {{"file", (dir / "journal.db").string()}}},
                                 {"log_level", "warn"}};
  std::ofstream(dir / "stopd.json") << config.dump(2);

  const auto children = stopd::bench::fork_children(jobs, stopd::bench::OnTerm::ignore);
  const pid_t daemon = fork();
  if (daemon == 0) {
    execl(STOPD_DAEMON_PATH, STOPD_DAEMON_PATH, "--config", (dir / "stopd.json").c_str(), nullptr);
    _exit(127);
  }
  auto channel = grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials());
  auto stub = stopd::v1::StopService::NewStub(channel);
  bool up = false;
  for (int i = 0; i < 400 && !up; ++i) {
    grpc::ClientContext context;
    stopd::v1::ListProvidersRequest request;
    stopd::v1::ListProvidersResponse response;
    up = stub->ListProviders(&context, request, &response).ok();
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  // Stops children[first, first + count) from `clients` threads, each a unary Stop; counts
  // refusals.
  std::atomic<std::size_t> failures{0};
  auto submit = [&](std::size_t first, std::size_t count, bool dry_run) {
    std::atomic<std::size_t> next{first};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < clients; ++t) {
      threads.emplace_back([&] {
        for (std::size_t i; (i = next.fetch_add(1)) < first + count;) {
          grpc::ClientContext context;
          stopd::v1::StopRequest request;
          stopd::v1::Job job;
          request.set_type("local.process");
          (*request.mutable_target()->mutable_fields())["pid"].set_number_value(
              children[i % children.size()]);
          request.set_grace_seconds(3600);
          request.set_dry_run(dry_run);
          if (!stub->Stop(&context, request, &job).ok()) failures.fetch_add(1);
        }
      });
    }
    for (auto& thread : threads) thread.join();
  };
  int status = 0;
  if (up) {
    // Warm the daemon up before the baseline: the same client concurrency with dry runs (which
    // end at once and change nothing) grows gRPC's thread pool, the allocator's per-thread arenas
    // and the journal's page cache to their working size. What stays is a daemon that has served
    // traffic, idle; the figure is then what a job in flight costs, not what the first RPCs cost.
    submit(0, clients * 20, true);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long idle = rss_kib(daemon);
    failures.store(0);
    const auto start = std::chrono::steady_clock::now();
    submit(0, children.size(), false);
    const double submit_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::seconds(2));  // every stop reached the provider
    const long loaded = rss_kib(daemon);
    std::cout << "jobs in flight: " << jobs - failures.load()
              << " (failed submits: " << failures.load() << "), submitted in " << submit_s << " s\n"
              << "daemon RSS idle: " << idle << " KiB, with the jobs in flight: " << loaded
              << " KiB\n"
              << "per in-flight job: "
              << static_cast<double>(loaded - idle) * 1024.0 / static_cast<double>(jobs)
              << " bytes (target <= 2048)\n";
    status = failures.load() == 0 ? 0 : 1;
  } else {
    std::cerr << "stopd did not come up (config " << (dir / "stopd.json") << ")\n";
    status = 1;
  }
  stopd::bench::reap_children(children);
  kill(daemon, SIGKILL);  // its jobs are benchmark leftovers; the journal goes with the temp dir
  waitpid(daemon, nullptr, 0);
  fs::remove_all(dir);
  return status;
}
