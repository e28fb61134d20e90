// bench.noop: an asynchronous provider that completes every stop at once. It isolates what the
// host costs (dispatcher, journal, RPC) from what stopping a real thing costs.
#include <stopd/sdk.hpp>

namespace {

class NoopProvider final : public stopd::sdk::IStopProvider {
 public:
  static constexpr char kName[] = "bench.noop";
  static constexpr char kVersion[] = "1.0.0";
  static constexpr char kDescription[] = "Completes every stop at once (benchmarks only).";

  explicit NoopProvider(const stopd::sdk::ProviderConfig&) {}

  stopd::sdk::ProviderInfo info() const override {
    stopd::sdk::ProviderInfo info;
    info.target_schema = nlohmann::json::parse(
        R"({"type":"object","additionalProperties":false,"required":["id"],"properties":{"id":{"type":"string"}}})");
    info.default_concurrency = 1u << 20;
    return info;
  }

  void start(const stopd::sdk::StopRequest&,
             std::shared_ptr<stopd::sdk::StopContext> context) override {
    context->complete(stopd::sdk::StopOutcome::make(stopd::sdk::Code::stopped, "nothing to do"));
  }
};

}  // namespace

STOPD_PLUGIN(NoopProvider)
