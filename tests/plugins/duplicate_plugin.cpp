// Built twice into two libraries that both claim the same resource type.
#include <stopd/sdk.hpp>

namespace {

class DuplicateProvider final : public stopd::sdk::IStopProvider {
 public:
  static constexpr char kName[] = "test.duplicate";
  static constexpr char kVersion[] = "1.0.0";
  explicit DuplicateProvider(const stopd::sdk::ProviderConfig&) {}
  stopd::sdk::ProviderInfo info() const override {
    stopd::sdk::ProviderInfo info;
    info.name = kName;
    info.version = kVersion;
    return info;
  }
};

}  // namespace

STOPD_PLUGIN(DuplicateProvider)
