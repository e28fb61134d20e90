// A descriptor written by hand, as a plugin built against another SDK would carry it.
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

std::unique_ptr<stopd::sdk::IStopProvider> must_not_be_called(const stopd::sdk::ProviderConfig&) {
  // The host must refuse this plugin before it calls anything in it.
  __builtin_trap();
}

}  // namespace

namespace raw {
const stopd::sdk::PluginDescriptor descriptor{sizeof(stopd::sdk::PluginDescriptor),
                                              static_cast<std::uint16_t>(RAW_ABI_MAJOR),
                                              static_cast<std::uint16_t>(RAW_ABI_MINOR),
                                              RAW_TOOLCHAIN,
                                              "othercc-1.0",
                                              "test.raw",
                                              "1.0.0",
                                              "",
                                              "",
                                              &must_not_be_called};
}  // namespace raw

BOOST_DLL_ALIAS_SECTIONED(raw::descriptor, stopd_plugin_descriptor, stopd)
