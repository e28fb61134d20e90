// A descriptor written by hand, as a plugin built against another SDK would carry it.
#include <cstddef>
#include <stopd/sdk.hpp>

#ifndef RAW_ABI_MAJOR
#define RAW_ABI_MAJOR stopd::sdk::kAbiMajor
#endif
#ifdef RAW_ABI_MINOR_AHEAD
#define RAW_ABI_MINOR (stopd::sdk::kAbiMinor + 1)
#else
#define RAW_ABI_MINOR stopd::sdk::kAbiMinor
#endif
#ifdef RAW_FOREIGN_TOOLCHAIN
#define RAW_TOOLCHAIN "libc++-1;nlohmann_json-9.9.9"
#else
#define RAW_TOOLCHAIN STOPD_SDK_TOOLCHAIN_TAG
#endif

namespace {

#ifdef RAW_ABI_1_0
// Built against ABI 1.0: the descriptor ends at `create`, and info() states the capabilities.
class OldProvider final : public stopd::sdk::IStopProvider {
 public:
  stopd::sdk::ProviderInfo info() const override {
    stopd::sdk::ProviderInfo info;
    info.name = "test.abi_1_0";
    info.version = "1.0.0";
    info.capabilities.inspect = true;
    return info;
  }
  stopd::sdk::Inspection inspect(const nlohmann::json&) override { return {}; }
};

std::unique_ptr<stopd::sdk::IStopProvider> create(const stopd::sdk::ProviderConfig&) {
  return std::make_unique<OldProvider>();
}
#define RAW_NAME "test.abi_1_0"
#define RAW_SIZE \
  (offsetof(stopd::sdk::PluginDescriptor, create) + sizeof(stopd::sdk::ProviderFactory))
#undef RAW_ABI_MINOR
#define RAW_ABI_MINOR 0
#else
std::unique_ptr<stopd::sdk::IStopProvider> create(const stopd::sdk::ProviderConfig&) {
  // The host must refuse this plugin before it calls anything in it.
  __builtin_trap();
}
#define RAW_NAME "test.raw"
#define RAW_SIZE sizeof(stopd::sdk::PluginDescriptor)
#endif

}  // namespace

namespace raw {
// `overrides` (ABI 1.1) is zero: the host must not read it from a 1.0 descriptor.
const stopd::sdk::PluginDescriptor descriptor{RAW_SIZE,
                                              static_cast<std::uint16_t>(RAW_ABI_MAJOR),
                                              static_cast<std::uint16_t>(RAW_ABI_MINOR),
                                              RAW_TOOLCHAIN,
                                              "othercc-1.0",
                                              RAW_NAME,
                                              "1.0.0",
                                              "",
                                              "",
                                              &create,
                                              0};
}  // namespace raw

BOOST_DLL_ALIAS_SECTIONED(raw::descriptor, stopd_plugin_descriptor, stopd)
