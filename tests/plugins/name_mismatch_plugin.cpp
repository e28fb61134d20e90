// The descriptor and the provider disagree about the resource type's name.
#include <stopd/sdk.hpp>

namespace {

class MismatchProvider final : public stopd::sdk::IStopProvider {
 public:
  static constexpr char kName[] = "test.declared";
  static constexpr char kVersion[] = "1.0.0";
  explicit MismatchProvider(const stopd::sdk::ProviderConfig&) {}
  stopd::sdk::ProviderInfo info() const override {
    stopd::sdk::ProviderInfo info;
    info.name = "test.reported";
    info.version = kVersion;
    return info;
  }
};

}  // namespace

STOPD_PLUGIN(MismatchProvider)
