// What a provider says once. The default build says name, version, description and capabilities
// only through kName/kVersion/kDescription and its overrides; the host must fill info() from them.
// CAPS_FLAG_WITHOUT_METHOD claims list() without overriding it, CAPS_VERSION_MISMATCH reports a
// version the descriptor contradicts: the host must refuse both.
#include <stopd/sdk.hpp>

namespace {

using stopd::sdk::Code;
using stopd::sdk::StopOutcome;

class SaidOnceProvider final : public stopd::sdk::IStopProvider {
 public:
#if defined(CAPS_FLAG_WITHOUT_METHOD)
  static constexpr char kName[] = "test.flag_without_method";
#elif defined(CAPS_VERSION_MISMATCH)
  static constexpr char kName[] = "test.version_mismatch";
#else
  static constexpr char kName[] = "test.said_once";
#endif
  static constexpr char kVersion[] = "3.1.4";
  static constexpr char kDescription[] = "Says its name, version and capabilities once.";

  explicit SaidOnceProvider(const stopd::sdk::ProviderConfig&) {}

  stopd::sdk::ProviderInfo info() const override {
    stopd::sdk::ProviderInfo info;
#if defined(CAPS_FLAG_WITHOUT_METHOD)
    info.capabilities.list = true;
#elif defined(CAPS_VERSION_MISMATCH)
    info.version = "9.9.9";
#endif
    return info;
  }

  StopOutcome stop(const stopd::sdk::StopRequest&, stopd::sdk::StopContext&) override {
    return StopOutcome::make(Code::stopped, "stopped");
  }

  stopd::sdk::Inspection inspect(const nlohmann::json&) override {
    return {stopd::sdk::Inspection::State::running, "running", nlohmann::json::object()};
  }

#if !defined(CAPS_FLAG_WITHOUT_METHOD)
  std::vector<nlohmann::json> list(const nlohmann::json&) override {
    return {};
  }
#endif
};

}  // namespace

STOPD_PLUGIN(SaidOnceProvider)
