// What the dispatcher costs on top of the provider: a no-op provider called directly through its
// virtual interface, against the same provider behind the full dispatcher path (validation,
// single-flight, limiter, outcome, ticket). Target: ≤ 2 µs per stop.
#include <benchmark/benchmark.h>

#include "stopd/core/dispatcher.hpp"
#include "stopd/core/registry.hpp"

namespace {

using namespace stopd;

// The smallest real provider: one string key, answers at once.
class NoopProvider final : public sdk::IStopProvider {
 public:
  explicit NoopProvider(bool asynchronous) : asynchronous_(asynchronous) {}
  sdk::ProviderInfo info() const override {
    sdk::ProviderInfo info;
    info.name = asynchronous_ ? "bench.noop_async" : "bench.noop_sync";
    info.version = "1";
    info.target_schema = nlohmann::json::parse(
        R"({"type":"object","additionalProperties":false,"required":["id"],"properties":{"id":{"type":"string"}}})");
    info.capabilities.asynchronous = asynchronous_;
    info.default_concurrency = 1u << 20;
    return info;
  }
  sdk::StopOutcome stop(const sdk::StopRequest&, sdk::StopContext&) override {
    return sdk::StopOutcome::make(sdk::Code::stopped, "");
  }
  void start(const sdk::StopRequest&, std::shared_ptr<sdk::StopContext> context) override {
    context->complete(sdk::StopOutcome::make(sdk::Code::stopped, ""));
  }

 private:
  bool asynchronous_;
};

class NullContext final : public sdk::StopContext {
 public:
  std::string_view stop_id() const override { return "direct"; }
  unsigned attempt() const override { return 1; }
  Clock::time_point deadline() const override { return Clock::time_point::max(); }
  Clock::time_point force_at() const override { return Clock::time_point::max(); }
  bool cancelled() const override { return false; }
  void on_change(std::function<void()>) override {}
  void progress(std::string_view, const nlohmann::json&) override {}
  void log(sdk::LogLevel, std::string_view) override {}
  void complete(sdk::StopOutcome) override {}
};

sdk::StopRequest request_for(std::string type, long long i) {
  sdk::StopRequest request;
  request.type = std::move(type);
  request.target = {{"id", "resource-" + std::to_string(i)}};
  return request;
}

void DirectVirtualCall(benchmark::State& state) {
  std::unique_ptr<sdk::IStopProvider> provider = std::make_unique<NoopProvider>(false);
  NullContext context;
  long long i = 0;
  for (auto _ : state) {
    const auto request = request_for("bench.noop_sync", i++);
    benchmark::DoNotOptimize(provider->stop(request, context));
  }
}
BENCHMARK(DirectVirtualCall);

void DispatcherAsynchronousNoop(benchmark::State& state) {
  core::ProviderRegistry registry;
  registry.add(std::make_shared<NoopProvider>(true), {});
  core::Dispatcher dispatcher(registry);
  long long i = 0;
  for (auto _ : state) {
    auto ticket = dispatcher.submit(request_for("bench.noop_async", i++));
    benchmark::DoNotOptimize(ticket->wait().outcome.code);
  }
}
BENCHMARK(DispatcherAsynchronousNoop);

// A synchronous provider runs on a worker thread, so this adds one hand-off each way.
void DispatcherSynchronousNoop(benchmark::State& state) {
  core::ProviderRegistry registry;
  registry.add(std::make_shared<NoopProvider>(false), {});
  core::Dispatcher dispatcher(registry);
  long long i = 0;
  for (auto _ : state) {
    auto ticket = dispatcher.submit(request_for("bench.noop_sync", i++));
    benchmark::DoNotOptimize(ticket->wait().outcome.code);
  }
}
BENCHMARK(DispatcherSynchronousNoop);

}  // namespace

BENCHMARK_MAIN();
