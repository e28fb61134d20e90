// Escalation: N processes that ignore SIGTERM, stopped gracefully with a 1 s grace through the
// dispatcher and local.process. Measures the wall time until every stop completed, how late each
// process died after its own force time (grace end) as seen by an independent pidfd watcher, and
// the peak RSS of the host. Target: all dead within grace + 100 ms, p99 lateness ≤ 20 ms.
//
//   stopd_bench_escalation [--processes 2000] [--grace-ms 1000]
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "forked_children.hpp"
#include "stopd/core/host.hpp"

namespace {

using namespace stopd;
using Clock = std::chrono::steady_clock;

// Records when each pid's pidfd became readable (the process exited), independently of stopd.
class DeathWatcher {
 public:
  explicit DeathWatcher(const std::vector<pid_t>& pids)
      : deaths_(pids.size()), epoll_(epoll_create1(EPOLL_CLOEXEC)) {
    for (std::size_t i = 0; i < pids.size(); ++i) {
      const int fd = static_cast<int>(syscall(SYS_pidfd_open, pids[i], 0));
      if (fd < 0) throw std::runtime_error("pidfd_open failed");
      fds_.push_back(fd);
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = i;
      epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event);
    }
    thread_ = std::thread([this] { run(); });
  }
  ~DeathWatcher() {
    thread_.join();
    for (int fd : fds_) close(fd);
    close(epoll_);
  }
  const std::vector<Clock::time_point>& deaths() {
    thread_.join();
    thread_ = std::thread([] {});
    return deaths_;
  }

 private:
  void run() {
    std::size_t remaining = deaths_.size();
    epoll_event events[256];
    while (remaining > 0) {
      const int n = epoll_wait(epoll_, events, 256, 60000);
      if (n <= 0) return;  // a minute without a death: give up, the report shows who is missing
      const auto now = Clock::now();
      for (int i = 0; i < n; ++i) {
        const auto index = events[i].data.u64;
        deaths_[index] = now;
        epoll_ctl(epoll_, EPOLL_CTL_DEL, fds_[index], nullptr);
        --remaining;
      }
    }
  }

  std::vector<Clock::time_point> deaths_;
  std::vector<int> fds_;
  int epoll_;
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  const std::size_t processes = bench::flag_value(argc, argv, "--processes", 2000);
  const auto grace = std::chrono::milliseconds(bench::flag_value(argc, argv, "--grace-ms", 1000));
  core::HostConfig config;
  config.plugin_dirs = std::vector<std::filesystem::path>{STOPD_PLUGIN_BUILD_DIR};
  core::Host host(config, {});
  if (host.registry().find("local.process") == nullptr) {
    std::cerr << "local.process is not loaded from " << STOPD_PLUGIN_BUILD_DIR << "\n";
    return 1;
  }
  const auto pids = bench::fork_children(processes, bench::OnTerm::ignore);
  DeathWatcher watcher(pids);
  std::vector<Clock::time_point> force_at(pids.size());
  std::vector<std::shared_ptr<core::StopTicket>> tickets;
  tickets.reserve(pids.size());
  const auto start = Clock::now();
  for (std::size_t i = 0; i < pids.size(); ++i) {
    sdk::StopRequest request;
    request.type = "local.process";
    request.target = {{"pid", pids[i]}};
    request.grace = grace;
    force_at[i] = Clock::now() + grace;  // taken just before the dispatcher takes its own
    tickets.push_back(host.dispatcher().submit(std::move(request)));
  }
  const double submit_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  std::size_t forced = 0;
  std::size_t failures = 0;
  // When SIGKILL went out, as the provider recorded it (ms after it started the stop, which is
  // when the dispatcher set force_at = now + grace).
  std::vector<double> kill_lateness;
  for (auto& ticket : tickets) {
    const auto& result = ticket->wait();
    if (result.outcome.code != sdk::Code::stopped) ++failures;
    if (result.outcome.forced) ++forced;
    for (const auto& sent : result.outcome.details.value("signals", nlohmann::json::array()))
      if (sent.value("signal", "") == "SIGKILL")
        kill_lateness.push_back(sent.value("after_ms", 0.0) - static_cast<double>(grace.count()));
  }
  const double wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  const auto& deaths = watcher.deaths();
  std::vector<double> lateness;
  double last_death_ms = 0;
  std::size_t missing = 0;
  for (std::size_t i = 0; i < pids.size(); ++i) {
    if (deaths[i] == Clock::time_point{}) {
      ++missing;
      continue;
    }
    lateness.push_back(std::chrono::duration<double, std::milli>(deaths[i] - force_at[i]).count());
    last_death_ms = std::max(last_death_ms,
                             std::chrono::duration<double, std::milli>(deaths[i] - start).count());
  }
  bench::reap_children(pids);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::cout
      << "processes=" << processes << " grace=" << grace.count() << " ms\n"
      << "submitting all stops took " << submit_ms << " ms\n"
      << "wall time until every stop completed: " << wall_ms << " ms\n"
      << "last death after start: " << last_death_ms << " ms (target <= " << grace.count() + 100
      << " ms + submit time)\n"
      << "SIGKILL lateness after force time (from the outcome's details, 1 ms resolution): p50 "
      << bench::percentile(kill_lateness, 50) << " ms, p99 " << bench::percentile(kill_lateness, 99)
      << " ms, max " << bench::percentile(kill_lateness, 100) << " ms over " << kill_lateness.size()
      << " kills (target p99 <= 20 ms)\n"
      << "death lateness after force time: p50 " << bench::percentile(lateness, 50) << " ms, p99 "
      << bench::percentile(lateness, 99) << " ms, max " << bench::percentile(lateness, 100)
      << " ms (dying is the kernel's work)\n"
      << "forced: " << forced << "/" << processes << ", not stopped: " << failures
      << ", never died: " << missing << "\n"
      << "peak RSS of the host: " << usage.ru_maxrss / 1024 << " MiB\n";
  return failures == 0 && missing == 0 ? 0 : 1;
}
