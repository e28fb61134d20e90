// Batch stop: a plan of N real processes (default 10,000) in 4 waves, immediate, 256 at once,
// run by the batch engine over the dispatcher and local.process, against what an operator would
// type: `xargs -P 256 kill -9` fed the same pids, then a wait loop until every one is gone. Same
// machine, same run, alternating rounds; medians and the ratio. Target: ≤ 1.5× the baseline.
//
// Then the engine's own cost per item: the same engine over a no-op asynchronous provider,
// against submitting the same requests straight to the dispatcher.
//
//   stopd_bench_batch [--processes 10000] [--rounds 3] [--noop-items 100000]
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <string>

#include "forked_children.hpp"
#include "stopd/batch/batch_dispatcher_runner.hpp"
#include "stopd/batch/batch_engine.hpp"
#include "stopd/batch/batch_expansion.hpp"
#include "stopd/core/host.hpp"

extern char** environ;

namespace {

using namespace stopd;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr std::size_t kWaves = 4;
constexpr unsigned kParallel = 256;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// `xargs -P 256 kill -9` with the pids on its stdin, then waitpid on every child.
double baseline_round(std::size_t processes) {
  const auto pids = bench::fork_children(processes, bench::OnTerm::exit);
  std::string input;
  for (pid_t pid : pids) input += std::to_string(pid) + "\n";
  const auto start = Clock::now();
  int in[2];
  if (pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  const char* argv[] = {"xargs", "-P", "256", "kill", "-9", nullptr};
  pid_t xargs = -1;
  if (posix_spawnp(&xargs, "xargs", &actions, nullptr, const_cast<char* const*>(argv), environ) !=
      0)
    throw std::runtime_error("posix_spawn xargs");
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  for (std::size_t written = 0; written < input.size();) {
    const auto n = write(in[1], input.data() + written, input.size() - written);
    if (n <= 0) throw std::runtime_error("write to xargs");
    written += static_cast<std::size_t>(n);
  }
  close(in[1]);
  for (pid_t pid : pids) waitpid(pid, nullptr, 0);  // the wait loop: until every one is gone
  const double took = ms_since(start);
  waitpid(xargs, nullptr, 0);
  return took;
}

// The plan: kWaves steps' worth of explicit pid targets, each process its own step (what a
// generated plan looks like), in waves 0..3.
core::BatchPlan plan_for(const std::vector<pid_t>& pids) {
  json steps = json::array();
  for (std::size_t i = 0; i < pids.size(); ++i)
    steps.push_back({{"name", "p" + std::to_string(i)},
                     {"type", "local.process"},
                     {"wave", static_cast<int>(i * kWaves / pids.size())},
                     {"target", {{"pid", pids[i]}}}});
  json document = {{"defaults", {{"mode", "immediate"}}},
                   {"concurrency", kParallel},
                   {"steps", std::move(steps)}};
  return core::batch_plan_from_json(document, "bench");
}

double batch_round(core::Host& host, std::size_t processes, std::size_t& failures,
                   double& expand_ms) {
  const auto pids = bench::fork_children(processes, bench::OnTerm::exit);
  const auto start = Clock::now();
  core::BatchPlan plan = plan_for(pids);
  const core::HostBatchCatalog catalog(host);
  auto items = core::expand_batch_plan(plan, catalog);
  expand_ms = ms_since(start);
  core::DispatcherItemRunner runner(host.dispatcher());
  core::BatchEngine engine(std::move(plan), std::move(items), runner, nullptr);
  engine.start();
  const core::BatchResult& result = engine.wait();
  const double took = ms_since(start);
  failures += result.summary.counts.failed + result.summary.counts.skipped;
  bench::reap_children(pids);  // zombies only: as in mass_stop, reaping is the parent's business
  return took;
}

// Completes every stop inside start(): what is left to measure is the host's own work.
class NoopProvider final : public sdk::IStopProvider {
 public:
  sdk::ProviderInfo info() const override {
    sdk::ProviderInfo info;
    info.name = "bench.noop";
    info.version = "1";
    info.target_schema = json::parse(R"({"type":"object","properties":{"id":{"type":"integer"}}})");
    info.capabilities.asynchronous = true;
    info.default_concurrency = 1000000;
    return info;
  }
  sdk::StopOutcome stop(const sdk::StopRequest&, sdk::StopContext&) override {
    return sdk::StopOutcome::make(sdk::Code::stopped, "");
  }
  void start(const sdk::StopRequest&, std::shared_ptr<sdk::StopContext> context) override {
    context->complete(sdk::StopOutcome::make(sdk::Code::stopped, ""));
  }
};

std::vector<core::BatchItem> noop_items(const core::BatchPlan& plan, std::size_t count) {
  std::vector<core::BatchItem> items;
  items.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    items.push_back(
        core::make_batch_item(plan, i * kWaves / count, i, {{"id", static_cast<long long>(i)}}));
  return items;
}

// Per item: the engine (4 waves, 256 at once) over the dispatcher, minus the dispatcher alone.
void engine_overhead(std::size_t count, std::size_t rounds) {
  core::ProviderRegistry registry;
  registry.add(std::make_shared<NoopProvider>(), {});
  core::Dispatcher dispatcher(registry);
  const core::BatchPlan plan =
      core::batch_plan_from_json(json::parse(R"({"concurrency": 256, "steps": [
        {"name": "w0", "type": "bench.noop", "selector": {}, "wave": 0},
        {"name": "w1", "type": "bench.noop", "selector": {}, "wave": 1},
        {"name": "w2", "type": "bench.noop", "selector": {}, "wave": 2},
        {"name": "w3", "type": "bench.noop", "selector": {}, "wave": 3}]})"),
                                 "bench");
  std::vector<double> direct;
  std::vector<double> engine_ms;
  for (std::size_t round = 0; round < rounds + 1; ++round) {
    auto items = noop_items(plan, count);
    auto start = Clock::now();
    {
      std::mutex mutex;
      std::condition_variable cv;
      std::size_t left = count;
      for (const auto& item : items)
        dispatcher.submit(item.request)->on_done([&](const core::StopResult&) {
          std::lock_guard lock(mutex);
          if (--left == 0) cv.notify_all();
        });
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return left == 0; });
    }
    const double d = ms_since(start);
    start = Clock::now();
    core::DispatcherItemRunner runner(dispatcher);
    core::BatchEngine engine(plan, std::move(items), runner, nullptr);
    engine.start();
    engine.wait();
    const double e = ms_since(start);
    if (round == 0) continue;  // warm-up
    direct.push_back(d);
    engine_ms.push_back(e);
  }
  const double d = bench::median(direct) * 1000 / static_cast<double>(count);
  const double e = bench::median(engine_ms) * 1000 / static_cast<double>(count);
  std::cout << "no-op items=" << count << " rounds=" << rounds << "\n"
            << "median dispatcher.submit alone: " << d << " us/item\n"
            << "median batch engine over the dispatcher: " << e << " us/item\n"
            << "engine overhead: " << e - d << " us/item\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t processes = bench::flag_value(argc, argv, "--processes", 10000);
  const std::size_t rounds = bench::flag_value(argc, argv, "--rounds", 3);
  const std::size_t noop = bench::flag_value(argc, argv, "--noop-items", 100000);

  core::HostConfig config;
  config.plugin_dirs = std::vector<std::filesystem::path>{STOPD_PLUGIN_BUILD_DIR};
  core::Host host(config, {});
  if (host.registry().find("local.process") == nullptr) {
    std::cerr << "local.process is not loaded from " << STOPD_PLUGIN_BUILD_DIR << "\n";
    return 1;
  }
  std::vector<double> baseline;
  std::vector<double> batch;
  std::vector<double> expansion;
  std::size_t failures = 0;
  double expand_ms = 0;
  batch_round(host, 200, failures, expand_ms);  // warm-up
  for (std::size_t round = 0; round < rounds; ++round) {
    baseline.push_back(baseline_round(processes));
    batch.push_back(batch_round(host, processes, failures, expand_ms));
    expansion.push_back(expand_ms);
    std::cout << "round " << round + 1 << ": xargs -P 256 kill -9 + wait " << baseline.back()
              << " ms, stopd batch " << batch.back() << " ms (of which plan + expansion "
              << expand_ms << " ms)\n";
  }
  const double b = bench::median(baseline);
  const double s = bench::median(batch);
  std::cout << "processes=" << processes << " waves=" << kWaves << " parallel=" << kParallel
            << " rounds=" << rounds << "\n"
            << "median xargs -P 256 kill -9 + wait loop: " << b << " ms\n"
            << "median stopd batch (parse, expand, validate, run): " << s << " ms (plan + "
            << "expansion " << bench::median(expansion) << " ms)\n"
            << "ratio batch/baseline: " << s / b << " (target <= 1.5)\n"
            << "items not stopped: " << failures << "\n";
  engine_overhead(noop, rounds);
  return failures == 0 ? 0 : 1;
}
