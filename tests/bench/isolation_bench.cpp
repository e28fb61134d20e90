// Isolation: the same plugin libraries served in process and from a stopd-plugin-host
// (`providers.<type>.isolation: "process"`), in one run, through core::Host as stopctl --local and
// the daemon use it. Targets (the isolation issue):
//   1. no-op asynchronous provider, sequential stops: added p50 (process - in_process) <= 100 us
//   2. the same, 64 stops in flight: process throughput >= 50 % of in_process
//   3. 5,000 real processes through local.process, immediate: process <= 1.3x in_process
//   4. a segfault in the plugin: from that stop's result until a stop succeeds in the restarted
//      plugin host, p50 <= 50 ms (with where the time goes: exec, plugin load, the rest)
//   5. 100 crashes in a row (segfault_once, default retries): 100/100 stopped, none lost
// Parts 1 and 2 run twice: with a no-op that completes on a thread of its own, after start()
// returned, as an asynchronous provider does (the targets), and with one that completes inside
// start(), which in process crosses no thread at all (no target; it says what a hop costs). Part
// 2 also sends the second one's window to the provider alone, no dispatcher (in process mode:
// the transport's floor), and gives the CPU time per stop of every thread of both processes:
// throughput on a shared VM swings with the neighbours, CPU per stop less, so A/B runs read it.
// Rounds alternate between the modes; medians and ratios are what to quote (the machines are
// shared and noisy). Exits 1 when a stop that should have succeeded did not, not over timing.
// Forking the 5,000 children of part 3 (untimed) takes most of the run on a busy machine.
//
//   stopd_bench_isolation [--latency-stops 10000] [--throughput-stops 20000] [--concurrency 64]
//                         [--rounds 3] [--processes 5000] [--crashes 30] [--crash-series 100]
//                         [--only 12345] [--log-level error] [--throughput-mode both]
//                         [--noop both|thread|start]
// --throughput-mode in_process|process runs part 2's rounds in that mode only (no ratio): for
// `perf stat`/`perf record`, to see one mode's cost per stop by difference of two lengths.
// --noop runs parts 1 and 2 with one of the two no-ops only.
// --only runs the parts named by their digits; --log-level shows the hosts' own log (warn: each
// plugin host death and its restart delay; info: also each restart's new pid).
#include <fcntl.h>
#include <spawn.h>
#include <spdlog/sinks/base_sink.h>
#include <stdlib.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <semaphore>
#include <string>
#include <utility>
#include <vector>

#include "forked_children.hpp"
#include "stopd/core/host.hpp"
#include "stopd/core/logging.hpp"

extern char** environ;

namespace {

using namespace stopd;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr const char* kNoop = "bench.noop";
constexpr const char* kProcess = "local.process";
constexpr const char* kMisbehave = "test.misbehave";

double us_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::micro>(to - from).count();
}
double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

std::string fixed(double value, int decimals = 1) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

// --- hosts ---------------------------------------------------------------------------------

const char* mode_name(bool isolated) {
  return isolated ? "process" : "in_process";
}

// A Host over `document`, with `type` loaded in the mode asked for (checked).
std::unique_ptr<core::Host> make_host(json document, const std::string& type, bool isolated,
                                      const std::string& log_level) {
  document["log_level"] = log_level;  // also the plugin host's
  document["providers"][type]["isolation"] = mode_name(isolated);
  core::HostConfig config = core::parse_host_config(document, fs::current_path());
  config.plugin_host_executable = STOPD_PLUGIN_HOST_EXECUTABLE;
  auto host = std::make_unique<core::Host>(config, fs::path{});
  const core::RegisteredProvider* provider = host->registry().find(type);
  if (provider == nullptr) {
    std::string why;
    for (const auto& refused : host->load_report().refused)
      why += "; " + refused.file.string() + ": " + refused.reason;
    throw std::runtime_error(type + " did not load (" + mode_name(isolated) + ")" + why);
  }
  if ((provider->plugin_host != nullptr) != isolated)
    throw std::runtime_error(type + " loaded, but not " + mode_name(isolated));
  return host;
}

// The two no-ops parts 1 and 2 measure (settings.complete_on, tests/bench/noop_plugin.cpp).
struct NoopVariant {
  const char* complete_on;
  const char* label;
  bool targets;  // the issue's targets apply
};
// An asynchronous provider completes after start() returns, on a thread of its own, as every
// asynchronous provider here does (CRI's gRPC client, the HTTP clients, local.process's loop):
// the issue's targets are for it. The one that completes inside start() crosses no thread at all
// in process; it is measured too, without a target, for what a thread hop costs.
constexpr NoopVariant kNoopVariants[] = {
    {"thread", "completes on its own thread", true},
    {"start", "completes inside start()", false},
};

json noop_config(const std::string& complete_on) {
  return {
      {"plugin_dirs", {STOPD_BENCH_PLUGIN_DIR}},
      {"providers",
       {{kNoop, {{"max_concurrency", 1000000}, {"settings", {{"complete_on", complete_on}}}}}}}};
}

json process_config() {
  return {{"plugin_dirs", json::array()},
          {"plugins", {STOPD_PROCESS_PLUGIN}},
          {"providers", {{kProcess, {{"max_concurrency", 1000000}}}}}};
}

json misbehave_config() {
  // plugin_host left at its defaults (restart_backoff_initial 100 ms, quarantine after 2).
  return {{"plugin_dirs", json::array()},
          {"plugins", {STOPD_MISBEHAVING_PLUGIN}},
          {"providers", {{kMisbehave, json::object()}}}};
}

sdk::StopRequest noop_request(std::size_t id) {
  sdk::StopRequest request;
  request.type = kNoop;
  request.target = {{"id", "n" + std::to_string(id)}};
  request.mode = sdk::Mode::immediate;
  return request;
}

sdk::StopRequest misbehave_request(const std::string& id, const std::string& what,
                                   const std::string& marker = {}) {
  sdk::StopRequest request;
  request.type = kMisbehave;
  request.target = {{"id", id}, {"do", what}};
  if (!marker.empty()) request.target["marker"] = marker;
  return request;
}

struct Failures {
  std::size_t count = 0;
  std::string first;
  void add(const std::string& what, const core::StopResult& result) {
    if (count++ == 0)
      first = what + ": " + std::string(sdk::to_string(result.outcome.code)) + " " +
              result.outcome.message;
  }
};

// --- 1. sequential latency -----------------------------------------------------------------

void sequential_block(core::Host& host, std::size_t stops, std::size_t& next_id,
                      std::vector<double>* samples, Failures& failures) {
  for (std::size_t i = 0; i < stops; ++i) {
    const auto start = Clock::now();
    auto ticket = host.dispatcher().submit(noop_request(next_id++));
    const core::StopResult& result = ticket->wait();
    const auto end = Clock::now();
    if (result.outcome.code != sdk::Code::stopped) failures.add("no-op stop", result);
    if (samples != nullptr) samples->push_back(us_between(start, end));
  }
}

// --- 2. throughput at a fixed concurrency --------------------------------------------------

// CPU time used so far, in ns: this process (every thread: the caller, stopd's session thread,
// the timer loop) plus the host's plugin host process, if it runs one. Throughput on a shared
// VM swings with the neighbours; CPU per stop swings much less, so A/B comparisons read it.
double cpu_ns(core::Host& host, const std::string& type) {
  timespec self{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &self);
  double total = static_cast<double>(self.tv_sec) * 1e9 + static_cast<double>(self.tv_nsec);
  const core::RegisteredProvider* provider = host.registry().find(type);
  if (provider == nullptr || provider->plugin_host == nullptr) return total;
  const pid_t pid = provider->plugin_host->status().pid;
  std::error_code error;
  // Each thread's run time in ns (the first field of schedstat), not the ticks of /proc/PID/stat.
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
    std::FILE* file = std::fopen((task.path() / "schedstat").c_str(), "r");
    if (file == nullptr) continue;
    unsigned long long ran = 0;
    if (std::fscanf(file, "%llu", &ran) == 1) total += static_cast<double>(ran);
    std::fclose(file);
  }
  return total;
}

double throughput_round(core::Host& host, std::size_t stops, std::size_t concurrency,
                        std::size_t& next_id, Failures& failures) {
  std::counting_semaphore<> slots(static_cast<std::ptrdiff_t>(concurrency));
  std::mutex mutex;
  std::condition_variable all_done;
  std::size_t done = 0;
  const auto start = Clock::now();
  // A ticket is dropped once its callback is set, as the daemon drops one once it reported the
  // result: the round measures 64 stops in flight, not the memory of every finished one.
  for (std::size_t i = 0; i < stops; ++i) {
    slots.acquire();
    host.dispatcher().submit(noop_request(next_id++))->on_done([&](const core::StopResult& result) {
      slots.release();
      std::lock_guard lock(mutex);
      if (result.outcome.code != sdk::Code::stopped) failures.add("no-op stop", result);
      if (++done == stops) all_done.notify_all();
    });
  }
  std::unique_lock lock(mutex);
  all_done.wait(lock, [&] { return done == stops; });
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(stops) / seconds;
}

// The same window of stops sent to the provider itself, with no dispatcher in front: in process
// mode that is the proxy, the session and the plugin host alone (the transport's floor); in
// in_process mode, the plugin call alone. It says how much of the process/in_process gap the
// transport leaves to the dispatcher at all.
class DirectContext final : public sdk::StopContext {
 public:
  DirectContext(std::string id, std::function<void(const sdk::StopOutcome&)> done)
      : id_(std::move(id)), done_(std::move(done)) {}
  std::string_view stop_id() const override { return id_; }
  unsigned attempt() const override { return 1; }
  Clock::time_point deadline() const override { return Clock::time_point::max(); }
  Clock::time_point force_at() const override { return Clock::time_point::min(); }
  bool cancelled() const override { return false; }
  void on_change(std::function<void()>) override {}
  void progress(std::string_view, const nlohmann::json&) override {}
  void log(sdk::LogLevel, std::string_view) override {}
  void complete(sdk::StopOutcome outcome) override { done_(outcome); }

 private:
  const std::string id_;
  const std::function<void(const sdk::StopOutcome&)> done_;
};

double direct_round(core::Host& host, std::size_t stops, std::size_t concurrency,
                    std::size_t& next_id, Failures& failures) {
  sdk::IStopProvider& provider = *host.registry().find(kNoop)->provider;
  std::counting_semaphore<> slots(static_cast<std::ptrdiff_t>(concurrency));
  std::mutex mutex;
  std::condition_variable all_done;
  std::size_t done = 0;
  const auto finished = [&](const sdk::StopOutcome& outcome) {
    slots.release();
    std::lock_guard lock(mutex);
    if (outcome.code != sdk::Code::stopped) {
      core::StopResult result;
      result.outcome = outcome;
      failures.add("no-op stop, no dispatcher", result);
    }
    if (++done == stops) all_done.notify_all();
  };
  const auto start = Clock::now();
  for (std::size_t i = 0; i < stops; ++i) {
    slots.acquire();
    const std::size_t id = next_id++;
    provider.start(noop_request(id),
                   std::make_shared<DirectContext>("d" + std::to_string(id), finished));
  }
  std::unique_lock lock(mutex);
  all_done.wait(lock, [&] { return done == stops; });
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(stops) / seconds;
}

// --- 3. real processes through local.process ------------------------------------------------

double mass_stop_round(core::Host& host, std::size_t processes, Failures& failures) {
  const auto pids = bench::fork_children(processes, bench::OnTerm::exit);
  std::vector<std::shared_ptr<core::StopTicket>> tickets;
  tickets.reserve(pids.size());
  const auto start = Clock::now();
  for (pid_t pid : pids) {
    sdk::StopRequest request;
    request.type = kProcess;
    request.target = {{"pid", pid}};
    request.mode = sdk::Mode::immediate;
    tickets.push_back(host.dispatcher().submit(std::move(request)));
  }
  for (auto& ticket : tickets) {
    const core::StopResult& result = ticket->wait();
    if (result.outcome.code != sdk::Code::stopped) failures.add("local.process stop", result);
  }
  const double took = ms_between(start, Clock::now());
  bench::reap_children(pids);  // the parent's business, not the stopper's: untimed
  return took;
}

// --- 4. where a restart's time goes ---------------------------------------------------------

// Runs stopd-plugin-host with `arguments` (stdout to /dev/null) and waits for it: ms, or -1.
double time_plugin_host_run(const std::vector<std::string>& arguments) {
  std::vector<std::string> args{STOPD_PLUGIN_HOST_EXECUTABLE};
  args.insert(args.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  const auto start = Clock::now();
  pid_t pid = -1;
  const int error = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  const double took = ms_between(start, Clock::now());
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? took : -1;
}

// How long fork() of this process takes in the parent (the supervisor forks the plugin host).
double fork_ms() {
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  const double took = ms_between(start, Clock::now());
  if (pid > 0) waitpid(pid, nullptr, 0);
  return took;
}

// The delays the supervisors log when a plugin host died ("... restarting in N ms").
class RestartDelays final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<long> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(delays_, {});
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    constexpr std::string_view kMarker = "restarting in ";
    const auto at = text.find(kMarker);
    if (at != std::string_view::npos)
      delays_.push_back(
          std::strtol(std::string(text.substr(at + kMarker.size())).c_str(), nullptr, 10));
  }
  void flush_() override {}

 private:
  std::vector<long> delays_;
};

std::size_t count_zero(const std::vector<long>& delays) {
  return static_cast<std::size_t>(std::count(delays.begin(), delays.end(), 0L));
}

// --- the summary ----------------------------------------------------------------------------

struct Row {
  std::string figure;
  std::string value;
  std::string target;
  std::optional<bool> pass;  // nullopt: informational
};

void print_table(const std::vector<Row>& rows) {
  std::size_t widths[3] = {6, 5, 6};
  for (const auto& row : rows) {
    widths[0] = std::max(widths[0], row.figure.size());
    widths[1] = std::max(widths[1], row.value.size());
    widths[2] = std::max(widths[2], row.target.size());
  }
  const auto pad = [](const std::string& text, std::size_t width) {
    return text + std::string(width > text.size() ? width - text.size() : 0, ' ');
  };
  std::cout << "\n"
            << pad("figure", widths[0]) << "  " << pad("value", widths[1]) << "  "
            << pad("target", widths[2]) << "  result\n"
            << std::string(widths[0] + widths[1] + widths[2] + 14, '-') << "\n";
  for (const auto& row : rows)
    std::cout << pad(row.figure, widths[0]) << "  " << pad(row.value, widths[1]) << "  "
              << pad(row.target, widths[2]) << "  "
              << (row.pass ? (*row.pass ? "PASS" : "FAIL") : "") << "\n";
}

std::string flag_text(int argc, char** argv, const std::string& name, std::string fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return fallback;
}

std::string mode_label(bool isolated) {
  return isolated ? "process   " : "in_process";
}

}  // namespace

int main(int argc, char** argv) {
  std::cout << std::unitbuf;  // progress shows as it happens, also into a file
  const std::size_t latency_stops = bench::flag_value(argc, argv, "--latency-stops", 10000);
  const std::size_t throughput_stops = bench::flag_value(argc, argv, "--throughput-stops", 20000);
  const std::size_t concurrency = bench::flag_value(argc, argv, "--concurrency", 64);
  const std::size_t rounds = bench::flag_value(argc, argv, "--rounds", 3);
  const std::size_t processes = bench::flag_value(argc, argv, "--processes", 5000);
  const std::size_t crashes = bench::flag_value(argc, argv, "--crashes", 30);
  const std::size_t crash_series = bench::flag_value(argc, argv, "--crash-series", 100);
  const std::string only = flag_text(argc, argv, "--only", "12345");
  const std::string throughput_mode = flag_text(argc, argv, "--throughput-mode", "both");
  const auto throughput_runs = [&](int mode) {
    return throughput_mode == "both" || throughput_mode == mode_name(mode == 1);
  };
  const auto part = [&](char digit) { return only.find(digit) != std::string::npos; };
  // The hosts' own warnings (each crash logs one) would bury the figures: they are shown at
  // --log-level, and the restart delays in them are collected whatever it is.
  const std::string log_level = flag_text(argc, argv, "--log-level", "error");
  core::set_log_level(log_level);
  const auto restart_delays = std::make_shared<RestartDelays>();
  {
    const auto logger = core::host_logger();
    for (auto& sink : logger->sinks()) sink->set_level(logger->level());
    restart_delays->set_level(spdlog::level::warn);
    logger->sinks().push_back(restart_delays);
    if (logger->level() > spdlog::level::warn) logger->set_level(spdlog::level::warn);
  }
  std::vector<Row> rows;
  bool correct = true;
  const auto report_failures = [&](const char* what, const Failures& failures) {
    if (failures.count == 0) return;
    correct = false;
    std::cout << "  !! " << what << ": " << failures.count
              << " stop(s) not stopped; first: " << failures.first << "\n";
  };

  // 1 and 2: the no-op provider, both modes loaded at once so blocks and rounds can alternate;
  // first the asynchronous one (completes on its own thread: the issue's targets), then the one
  // that completes inside start() (no thread crossed in process: the cheapest stop there is).
  const std::string noop_variants = flag_text(argc, argv, "--noop", "both");
  std::map<std::string, double> in_process_rate;  // by complete_on, part 2's median
  for (const NoopVariant& variant : kNoopVariants) {
    if (!(part('1') || part('2'))) break;
    if (noop_variants != "both" && noop_variants != variant.complete_on) continue;
    const std::string tag = std::string(" [") + variant.label + "]";
    std::cout << "-- " << kNoop << " " << variant.label << "\n";
    std::unique_ptr<core::Host> hosts[2] = {
        make_host(noop_config(variant.complete_on), kNoop, false, log_level),
        make_host(noop_config(variant.complete_on), kNoop, true, log_level)};
    std::size_t next_id = 0;
    for (auto& host : hosts) {  // warm-up
      Failures ignored;
      sequential_block(*host, 1000, next_id, nullptr, ignored);
    }
    if (part('1')) {
      Failures failures;
      std::vector<double> latency[2];
      std::cout << "== 1. " << kNoop << ", sequential stops: " << latency_stops << " per mode"
                << tag << "\n";
      constexpr std::size_t kBlock = 500;
      for (std::size_t done = 0; done < latency_stops; done += kBlock)
        for (int mode = 0; mode < 2; ++mode)
          sequential_block(*hosts[mode], std::min(kBlock, latency_stops - done), next_id,
                           &latency[mode], failures);
      double p50[2];
      for (int mode = 0; mode < 2; ++mode) {
        p50[mode] = bench::percentile(latency[mode], 50);
        const double p99 = bench::percentile(latency[mode], 99);
        std::cout << "  " << mode_label(mode == 1) << "  p50 " << fixed(p50[mode]) << " us  p99 "
                  << fixed(p99) << " us\n";
        rows.push_back({std::string("1. no-op stop p50, ") + mode_name(mode == 1) + tag,
                        fixed(p50[mode]) + " us", "", std::nullopt});
        rows.push_back({std::string("1. no-op stop p99, ") + mode_name(mode == 1) + tag,
                        fixed(p99) + " us", "", std::nullopt});
      }
      const double added = p50[1] - p50[0];
      rows.push_back({"1. added p50 (process - in_process)" + tag, fixed(added) + " us",
                      variant.targets ? "<= 100 us" : "",
                      variant.targets ? std::optional<bool>(added <= 100) : std::nullopt});
      report_failures("sequential no-op", failures);
    }
    if (part('2')) {
      std::cout << "== 2. " << kNoop << ", throughput: " << throughput_stops << " stops, "
                << concurrency << " in flight, " << rounds << " rounds per mode" << tag << "\n";
      Failures throughput_failures;
      for (auto& host : hosts)  // warm-up
        throughput_round(*host, throughput_stops / 10, concurrency, next_id, throughput_failures);
      std::vector<double> rate[2];
      std::vector<double> cpu_per_stop[2];  // us, every thread of both processes
      for (std::size_t round = 0; round < rounds; ++round) {
        std::cout << "  round " << round + 1 << ":";
        for (int mode = 0; mode < 2; ++mode) {
          if (!throughput_runs(mode)) continue;
          const double cpu_before = cpu_ns(*hosts[mode], kNoop);
          rate[mode].push_back(throughput_round(*hosts[mode], throughput_stops, concurrency,
                                                next_id, throughput_failures));
          cpu_per_stop[mode].push_back((cpu_ns(*hosts[mode], kNoop) - cpu_before) / 1000.0 /
                                       static_cast<double>(throughput_stops));
          std::cout << " " << mode_name(mode == 1) << " " << fixed(rate[mode].back(), 0)
                    << " stops/s (" << fixed(cpu_per_stop[mode].back(), 2) << " us CPU/stop)";
        }
        std::cout << "\n";
      }
      double rates[2] = {0, 0};
      for (int mode = 0; mode < 2; ++mode) {
        if (rate[mode].empty()) continue;
        rates[mode] = bench::median(rate[mode]);
        rows.push_back({"2. no-op throughput @" + std::to_string(concurrency) + ", " +
                            mode_name(mode == 1) + " (median)" + tag,
                        fixed(rates[mode], 0) + " stops/s", "", std::nullopt});
        rows.push_back({"2. CPU per stop, all threads, " + std::string(mode_name(mode == 1)) +
                            " (median)" + tag,
                        fixed(bench::median(cpu_per_stop[mode]), 2) + " us", "", std::nullopt});
        if (mode == 0) in_process_rate[variant.complete_on] = rates[0];
      }
      if (rates[0] > 0 && rates[1] > 0) {
        const double ratio = rates[1] / rates[0];
        rows.push_back({"2. throughput process/in_process" + tag, fixed(100 * ratio) + " %",
                        variant.targets ? ">= 50 %" : "",
                        variant.targets ? std::optional<bool>(ratio >= 0.5) : std::nullopt});
      }
      if (throughput_mode == "both" && std::string(variant.complete_on) == "start") {
        // The floor: the provider alone, rounds alternating as above.
        std::vector<double> direct[2];
        for (std::size_t round = 0; round < rounds; ++round)
          for (int mode = 0; mode < 2; ++mode)
            direct[mode].push_back(direct_round(*hosts[mode], throughput_stops, concurrency,
                                                next_id, throughput_failures));
        for (int mode = 0; mode < 2; ++mode)
          rows.push_back({"2. provider alone (no dispatcher) @" + std::to_string(concurrency) +
                              ", " + mode_name(mode == 1) + " (median)",
                          fixed(bench::median(direct[mode]), 0) + " stops/s", "", std::nullopt});
        if (rates[0] > 0)
          rows.push_back({"2. provider alone, process / dispatcher, in_process",
                          fixed(100 * bench::median(direct[1]) / rates[0]) + " %", "",
                          std::nullopt});
      }
      report_failures("no-op throughput", throughput_failures);
    }
  }

  if (in_process_rate.size() == 2)
    rows.push_back({"2. in_process: own thread / inside start() (what a thread hop costs)",
                    fixed(100 * in_process_rate["thread"] / in_process_rate["start"]) + " %", "",
                    std::nullopt});

  // 3. real processes: both hosts loaded, rounds alternate.
  if (part('3')) {
    std::cout << "== 3. " << kProcess << ", " << processes << " real processes, immediate, "
              << rounds << " rounds per mode\n";
    std::unique_ptr<core::Host> hosts[2] = {make_host(process_config(), kProcess, false, log_level),
                                            make_host(process_config(), kProcess, true, log_level)};
    Failures failures;
    for (auto& host : hosts) mass_stop_round(*host, 200, failures);  // warm-up
    std::vector<double> took[2];
    for (std::size_t round = 0; round < rounds; ++round) {
      for (int mode = 0; mode < 2; ++mode)
        took[mode].push_back(mass_stop_round(*hosts[mode], processes, failures));
      std::cout << "  round " << round + 1 << ": in_process " << fixed(took[0].back()) << " ms, "
                << "process " << fixed(took[1].back()) << " ms\n";
    }
    const double medians[2] = {bench::median(took[0]), bench::median(took[1])};
    for (int mode = 0; mode < 2; ++mode)
      rows.push_back(
          {"3. " + std::to_string(processes) + " processes, " + mode_name(mode == 1) + " (median)",
           fixed(medians[mode]) + " ms", "", std::nullopt});
    const double ratio = medians[1] / medians[0];
    rows.push_back(
        {"3. processes process/in_process", fixed(ratio, 2) + "x", "<= 1.3x", ratio <= 1.3});
    report_failures("local.process", failures);
  }

  // 4. crash -> serving again.
  if (part('4')) {
    std::cout << "== 4. " << kMisbehave << " (process), " << crashes
              << " crashes, each followed by an ok stop\n";
    auto host = make_host(misbehave_config(), kMisbehave, true, log_level);
    const core::RegisteredProvider& provider = *host->registry().find(kMisbehave);
    Failures failures;
    // Warm-up, and the plugin host's own round trip for the breakdown below; it also makes the
    // first plugin host serve, so its crash restarts at once like the others.
    std::vector<double> warm;
    for (std::size_t i = 0; i < 200; ++i) {
      const auto start = Clock::now();
      auto ticket = host->dispatcher().submit(misbehave_request("ok", "ok"));
      const core::StopResult& result = ticket->wait();
      warm.push_back(ms_between(start, Clock::now()));
      if (result.outcome.code != sdk::Code::stopped) failures.add("warm-up ok", result);
    }
    restart_delays->take();
    std::vector<double> detect;   // submit of the segfault stop -> its result
    std::vector<double> recover;  // that result -> the ok stop's success
    std::size_t unexpected = 0;
    std::string unexpected_first;
    for (std::size_t i = 0; i < crashes; ++i) {
      core::SubmitOptions once;
      once.max_attempts = 1;
      const auto submitted = Clock::now();
      auto crash =
          host->dispatcher().submit(misbehave_request("c" + std::to_string(i), "segfault"), once);
      const core::StopResult& crashed = crash->wait();
      const auto ended = Clock::now();
      auto ok = host->dispatcher().submit(misbehave_request("ok", "ok"));
      const core::StopResult& served = ok->wait();
      const auto back = Clock::now();
      const auto code = crashed.outcome.code;
      if (code != sdk::Code::unavailable && code != sdk::Code::internal && unexpected++ == 0)
        unexpected_first = std::string(sdk::to_string(code)) + " " + crashed.outcome.message;
      if (served.outcome.code != sdk::Code::stopped) failures.add("ok after crash", served);
      detect.push_back(ms_between(submitted, ended));
      recover.push_back(ms_between(ended, back));
    }
    const core::PluginHostStatus status = provider.plugin_host->status();
    // Restarts without backoff: the supervisor logged "restarting in 0 ms".
    const std::vector<long> delays = restart_delays->take();
    const std::size_t immediate = count_zero(delays);
    const double p50 = bench::percentile(recover, 50);
    const double worst = *std::max_element(recover.begin(), recover.end());
    std::cout << "  segfault stop -> its result: p50 " << fixed(bench::percentile(detect, 50), 2)
              << " ms, max " << fixed(*std::max_element(detect.begin(), detect.end()), 2) << " ms\n"
              << "  result -> ok stop succeeded: p50 " << fixed(p50, 2) << " ms, max "
              << fixed(worst, 2) << " ms, min "
              << fixed(*std::min_element(recover.begin(), recover.end()), 2) << " ms\n"
              << "  restarts " << status.restarts << " (SIGSEGV "
              << (status.restarts_by_reason.contains("SIGSEGV")
                      ? status.restarts_by_reason.at("SIGSEGV")
                      : 0u)
              << "), state " << core::to_string(status.state) << "; restarted without backoff "
              << "(logged \"restarting in 0 ms\"): " << immediate << "/" << delays.size() << "\n";
    if (unexpected > 0) {
      correct = false;
      std::cout << "  !! " << unexpected << " segfault stop(s) did not end unavailable/internal; "
                << "first: " << unexpected_first << "\n";
    }
    // Where the time goes, each measured alone (interleaved, medians): fork() of this process
    // (how the supervisor starts the plugin host); spawning stopd-plugin-host --version to its
    // exit (exec, the dynamic linker loading its shared libraries, static initialisers, exit);
    // --describe on top of that (dlopen of the plugin); a warm ok stop's round trip. The rest
    // is the session: its frames on the socket, Open, the factory, and waiting
    // for a CPU.
    std::vector<double> forks, versions, describes;
    for (std::size_t i = 0; i < 30; ++i) {
      forks.push_back(fork_ms());
      versions.push_back(time_plugin_host_run({"--version"}));
      describes.push_back(time_plugin_host_run({"--describe", STOPD_MISBEHAVING_PLUGIN}));
    }
    if (std::any_of(versions.begin(), versions.end(), [](double ms) { return ms < 0; }) ||
        std::any_of(describes.begin(), describes.end(), [](double ms) { return ms < 0; }))
      std::cout << "  !! stopd-plugin-host --version or --describe failed; the breakdown is off\n";
    const double fork_median = bench::median(forks);
    const double version_median = bench::median(versions);
    const double dlopen_median = bench::median(describes) - version_median;
    const double warm_median = bench::median(warm);
    const double rest = p50 - fork_median - version_median - dlopen_median - warm_median;
    std::cout << "  breakdown (medians): fork " << fixed(fork_median, 2)
              << " ms; stopd-plugin-host --version, spawn to exit " << fixed(version_median, 2)
              << " ms; + dlopen of the plugin (--describe) " << fixed(dlopen_median, 2)
              << " ms; ok stop round trip, warm " << fixed(warm_median, 3)
              << " ms; rest (session, Open, factory, scheduling) " << fixed(rest, 2) << " ms\n";
    rows.push_back(
        {"4. crash -> serving again, p50", fixed(p50, 2) + " ms", "<= 50 ms", p50 <= 50});
    rows.push_back({"4. crash -> serving again, max", fixed(worst, 2) + " ms", "", std::nullopt});
    rows.push_back({"4. restarts without backoff (logged 0 ms)",
                    std::to_string(immediate) + "/" + std::to_string(crashes),
                    std::to_string(crashes) + "/" + std::to_string(crashes),
                    immediate == crashes && delays.size() == crashes});
    rows.push_back({"4. segfault stop -> its result, p50",
                    fixed(bench::percentile(detect, 50), 2) + " ms", "", std::nullopt});
    rows.push_back({"4.   restart: fork() of the bench process", fixed(fork_median, 2) + " ms", "",
                    std::nullopt});
    rows.push_back({"4.   restart: plugin host --version, spawn to exit",
                    fixed(version_median, 2) + " ms", "", std::nullopt});
    rows.push_back({"4.   restart: dlopen of the plugin (--describe - --version)",
                    fixed(dlopen_median, 2) + " ms", "", std::nullopt});
    rows.push_back({"4.   restart: ok stop round trip, warm", fixed(warm_median, 3) + " ms", "",
                    std::nullopt});
    rows.push_back({"4.   restart: rest (session, Open, factory, waiting for CPU)",
                    fixed(rest, 2) + " ms", "", std::nullopt});
    report_failures("crash recovery", failures);
  }

  // 5. 100 crashes in a row, default retries.
  if (part('5')) {
    std::cout << "== 5. " << kMisbehave << " (process), " << crash_series
              << " stops in a row that each crash their first attempt\n";
    char dir_template[] = "/tmp/stopd-isolation-bench-XXXXXX";
    const char* dir = mkdtemp(dir_template);
    if (dir == nullptr) {
      std::cerr << "mkdtemp failed\n";
      return 1;
    }
    auto host = make_host(misbehave_config(), kMisbehave, true, log_level);
    const core::RegisteredProvider& provider = *host->registry().find(kMisbehave);
    {
      auto ticket = host->dispatcher().submit(misbehave_request("ok", "ok"));
      ticket->wait();
    }
    restart_delays->take();
    std::size_t stopped = 0;
    std::size_t lost = 0;
    std::size_t retried_once = 0;
    Failures failures;
    const auto start = Clock::now();
    for (std::size_t i = 0; i < crash_series; ++i) {
      const std::string id = "s" + std::to_string(i);
      auto ticket = host->dispatcher().submit(
          misbehave_request(id, "segfault_once", std::string(dir) + "/m" + std::to_string(i)));
      if (!ticket->wait_for(std::chrono::seconds(120))) {
        ++lost;
        continue;
      }
      const core::StopResult& result = ticket->wait();
      if (result.outcome.code == sdk::Code::stopped)
        ++stopped;
      else
        failures.add(id, result);
      if (result.attempts == 2) ++retried_once;
    }
    const double took = ms_between(start, Clock::now());
    const core::PluginHostStatus status = provider.plugin_host->status();
    const std::vector<long> delays = restart_delays->take();
    std::cout << "  " << stopped << "/" << crash_series << " stopped, " << lost << " lost, "
              << retried_once << " took exactly 2 attempts; plugin host restarts "
              << status.restarts << " (" << count_zero(delays) << " without backoff); "
              << fixed(took / 1000, 2) << " s (" << fixed(took / static_cast<double>(crash_series))
              << " ms per stop)\n";
    report_failures("crash series", failures);
    if (lost > 0) correct = false;
    std::error_code ec;
    fs::remove_all(dir, ec);
    rows.push_back({"5. crash series: bench process survived", "yes", "yes", true});
    rows.push_back({"5. crash series: stops ended stopped",
                    std::to_string(stopped) + "/" + std::to_string(crash_series),
                    std::to_string(crash_series) + "/" + std::to_string(crash_series),
                    stopped == crash_series});
    rows.push_back(
        {"5. crash series: lost (ticket never completed)", std::to_string(lost), "0", lost == 0});
    rows.push_back({"5. crash series: plugin host restarts", std::to_string(status.restarts), "",
                    std::nullopt});
    rows.push_back({"5. crash series: time taken", fixed(took / 1000, 2) + " s", "", std::nullopt});
  }

  print_table(rows);
  return correct ? 0 : 1;
}
