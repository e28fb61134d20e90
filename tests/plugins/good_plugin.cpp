// A well-behaved synchronous plugin: "stops" an entry of an in-memory set named by its settings.
#include <stopd/sdk.hpp>

namespace {

class GoodProvider final : public stopd::sdk::IStopProvider {
 public:
  static constexpr char kName[] = "test.good";
  static constexpr char kVersion[] = "2.3.4";
  static constexpr char kDescription[] = "A plugin that loads and answers.";
  static constexpr char kConfigSchema[] =
      R"({"type":"object","additionalProperties":false,"properties":{"greeting":{"type":"string"}}})";

  explicit GoodProvider(const stopd::sdk::ProviderConfig& config)
      : greeting_(config.settings.value("greeting", "hello")) {}

  stopd::sdk::ProviderInfo info() const override {
    stopd::sdk::ProviderInfo info;
    info.name = kName;
    info.version = kVersion;
    info.description = kDescription;
    info.target_schema = nlohmann::json::parse(
        R"({"type":"object","required":["id"],"additionalProperties":false,"properties":{"id":{"type":"string"}}})");
    return info;
  }

  stopd::sdk::StopOutcome stop(const stopd::sdk::StopRequest& request,
                               stopd::sdk::StopContext&) override {
    return stopd::sdk::StopOutcome::make(stopd::sdk::Code::stopped,
                                         greeting_ + " " + request.target["id"].get<std::string>());
  }

 private:
  std::string greeting_;
};

}  // namespace

STOPD_PLUGIN(GoodProvider)
