// A plugin whose constructor fails, as one whose backend is misconfigured would.
#include <stdexcept>
#include <stopd/sdk.hpp>

namespace {

class FailingProvider final : public stopd::sdk::IStopProvider {
 public:
  static constexpr char kName[] = "test.failing_factory";
  static constexpr char kVersion[] = "1.0.0";
  explicit FailingProvider(const stopd::sdk::ProviderConfig&) {
    throw std::runtime_error("backend endpoint is not configured");
  }
  stopd::sdk::ProviderInfo info() const override {
    stopd::sdk::ProviderInfo info;
    info.name = kName;
    info.version = kVersion;
    return info;
  }
};

}  // namespace

STOPD_PLUGIN(FailingProvider)
