// What the batch tests share: a scripted provider that records when each stop ran, a catalog over
// a real Dispatcher with canned selector matches, and plan/engine shorthands.
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

#include "stopd/batch/batch_dispatcher_runner.hpp"
#include "stopd/batch/batch_engine.hpp"
#include "stopd/batch/batch_expansion.hpp"
#include "stopd/core/dispatcher.hpp"
#include "test_providers.hpp"

namespace stopd::test {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// When each stop ran, as the provider saw it.
class SpanRecorder {
 public:
  struct Span {
    std::string id;
    Clock::time_point start;
    Clock::time_point end;
  };
  void add(Span span) {
    std::lock_guard lock(mutex_);
    spans_.push_back(std::move(span));
  }
  std::vector<Span> spans() const {
    std::lock_guard lock(mutex_);
    return spans_;
  }
  std::vector<Span> spans_with_prefix(const std::string& prefix) const {
    std::vector<Span> matching;
    for (auto& span : spans())
      if (span.id.rfind(prefix, 0) == 0) matching.push_back(span);
    return matching;
  }
  int count(const std::string& id) const {
    const auto all = spans();
    return static_cast<int>(
        std::count_if(all.begin(), all.end(), [&](const Span& s) { return s.id == id; }));
  }
  // The most stops whose ids start with `prefix` that ever ran at the same time.
  std::size_t max_overlap(const std::string& prefix = "") const {
    std::vector<std::pair<Clock::time_point, int>> events;
    for (const auto& span : spans_with_prefix(prefix)) {
      events.emplace_back(span.start, +1);
      events.emplace_back(span.end, -1);
    }
    std::sort(events.begin(), events.end());  // an end sorts before a start at the same instant
    int now = 0;
    int most = 0;
    for (const auto& [at, delta] : events) most = std::max(most, now += delta);
    return static_cast<std::size_t>(most);
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Span> spans_;
};

// A synchronous provider whose behaviour is in the target id: "slow…" takes 300 ms, others 15 ms;
// "fail…" ends failed_precondition. Cancellation and the deadline end the wait early. "hang…"
// waits for cancellation alone (at most 10 s): with a FakeClock, only the host's deadline ends it.
inline std::shared_ptr<SyncProvider> scripted_provider(SpanRecorder& recorder,
                                                       const std::string& name = "t.item") {
  return std::make_shared<SyncProvider>(
      name,
      [&recorder](const sdk::StopRequest& request, sdk::StopContext& context) {
        const std::string id = request.target["id"].get<std::string>();
        const auto start = Clock::now();
        if (id.rfind("hang", 0) == 0) {
          while (!context.cancelled() && Clock::now() < start + 10s)
            std::this_thread::sleep_for(1ms);
          recorder.add({id, start, Clock::now()});
          return sdk::StopOutcome::make(sdk::Code::cancelled, "cancelled");
        }
        const auto until = start + (id.rfind("slow", 0) == 0 ? 300ms : 15ms);
        while (Clock::now() < until && !context.cancelled() && Clock::now() < context.deadline())
          std::this_thread::sleep_for(1ms);
        recorder.add({id, start, Clock::now()});
        if (context.cancelled()) return sdk::StopOutcome::make(sdk::Code::cancelled, "cancelled");
        if (Clock::now() >= context.deadline())
          return sdk::StopOutcome::make(sdk::Code::deadline_exceeded, "too late");
        if (id.rfind("fail", 0) == 0)
          return sdk::StopOutcome::make(sdk::Code::failed_precondition, "refused " + id);
        return sdk::StopOutcome::make(sdk::Code::stopped, "stopped " + id);
      },
      /*concurrency=*/256);
}

// Dispatcher::validate, and selectors answered from a table: {"group": G} lists `groups[G]`.
class TestCatalog final : public core::BatchCatalog {
 public:
  explicit TestCatalog(const core::Dispatcher& dispatcher) : dispatcher_(dispatcher) {}
  std::optional<std::string> validate(const sdk::StopRequest& request) const override {
    return dispatcher_.validate(request);
  }
  std::vector<nlohmann::json> list(std::string_view type,
                                   const nlohmann::json& selector) const override {
    if (type != "t.item")
      throw sdk::StopError(sdk::Code::invalid_argument,
                           "type: unknown resource type '" + std::string(type) + "'");
    const auto group = selector.value("group", "");
    const auto it = groups.find(group);
    if (it == groups.end())
      throw sdk::StopError(sdk::Code::invalid_argument, "selector.group: no such group");
    return it->second;
  }
  // {"id": "<prefix>0"}, {"id": "<prefix>1"}, …
  void add_group(const std::string& name, const std::string& prefix, int count) {
    auto& targets = groups[name];
    for (int i = 0; i < count; ++i) targets.push_back({{"id", prefix + std::to_string(i)}});
  }
  std::map<std::string, std::vector<nlohmann::json>> groups;

 private:
  const core::Dispatcher& dispatcher_;
};

// A registry with the scripted provider, a dispatcher and a catalog: what a test runs plans on.
struct BatchBench {
  SpanRecorder recorder;
  core::ProviderRegistry registry;
  std::shared_ptr<SyncProvider> provider;
  std::unique_ptr<core::Dispatcher> dispatcher;
  std::unique_ptr<TestCatalog> catalog;
  std::unique_ptr<core::DispatcherItemRunner> runner;

  // `inspect`: what the provider's inspect() finds (dry runs); none: it cannot inspect.
  // `clock`: the dispatcher's (null: the real one); run() gives the engine the same.
  explicit BatchBench(std::optional<sdk::Inspection::State> inspect = std::nullopt,
                      std::shared_ptr<core::HostClock> clock = nullptr) {
    provider = scripted_provider(recorder);
    provider->inspect_state = inspect;
    registry.add(provider, {});
    core::DispatcherOptions options;
    options.clock = std::move(clock);
    dispatcher = std::make_unique<core::Dispatcher>(registry, options);
    catalog = std::make_unique<TestCatalog>(*dispatcher);
    runner = std::make_unique<core::DispatcherItemRunner>(*dispatcher);
  }

  core::BatchResult run(const std::string& plan_json, core::BatchEngineOptions options = {},
                        core::BatchObserver* observer = nullptr) {
    const core::BatchPlan plan = core::parse_batch_plan(plan_json, "test-plan");
    auto items = core::expand_batch_plan(plan, *catalog, options.dry_run);
    if (!options.clock) options.clock = dispatcher->clock();
    core::BatchEngine engine(plan, std::move(items), *runner, observer, std::move(options));
    engine.start();
    return engine.wait();
  }
};

inline const core::BatchItemRecord* find_record(const core::BatchResult& result,
                                                const std::string& item) {
  for (const auto& record : result.items)
    if (record.item == item) return &record;
  return nullptr;
}

}  // namespace stopd::test
