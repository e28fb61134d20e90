// Publishing a provider from a shared library: one STOPD_PLUGIN(ProviderClass) line per plugin.
//
// The provider class supplies:
//   static constexpr char kName[]    = "example.thing";   // the resource type
//   static constexpr char kVersion[] = "1.0.0";
//   explicit ProviderClass(const stopd::sdk::ProviderConfig& config);  // may throw
// and optionally:
//   static constexpr char kDescription[]  = "…";
//   static constexpr char kConfigSchema[] = R"({"type":"object", …})";  // JSON Schema for settings
//
// The host reads the descriptor first, refuses the plugin unless the ABI and toolchain match,
// validates the operator's settings against kConfigSchema, and only then calls the constructor.
//
// Said once, here: info() may leave name, version and description empty (the host fills them
// from kName, kVersion and kDescription; a different value is refused), and need not set
// capabilities.asynchronous, .inspect or .list: STOPD_PLUGIN sees which of start(), inspect()
// and list() the class overrides and the host sets exactly those. A flag set without its method
// is refused, naming the method. Only capabilities.drain is the provider's to state. A provider
// that can inspect or list only in some configurations throws StopError(failed_precondition)
// from the method when it cannot.
#pragma once

#include <boost/dll/alias.hpp>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "stopd/sdk/logger.hpp"
#include "stopd/sdk/provider.hpp"
#include "stopd/sdk/provider_config.hpp"
#include "stopd/sdk/version.hpp"

namespace stopd::sdk {

using ProviderFactory = std::unique_ptr<IStopProvider> (*)(const ProviderConfig&);

// PluginDescriptor::overrides: which IStopProvider methods the class overrides.
inline constexpr std::uint32_t kOverridesStart = 1u << 0;
inline constexpr std::uint32_t kOverridesInspect = 1u << 1;
inline constexpr std::uint32_t kOverridesList = 1u << 2;

// Plain data, so the host can check the fields it needs before it trusts anything else.
// Fields are only ever appended (with an ABI minor bump); struct_size says how many exist.
struct PluginDescriptor {
  std::uint32_t struct_size;
  std::uint16_t abi_major;
  std::uint16_t abi_minor;
  const char* toolchain;  // STOPD_SDK_TOOLCHAIN_TAG; must equal the host's
  const char* compiler;   // informational
  const char* name;       // the resource type
  const char* version;
  const char* description;    // may be empty
  const char* config_schema;  // JSON Schema text for ProviderConfig::settings; empty = no settings
  ProviderFactory create;
  // ABI 1.1: kOverrides* bits, found at compile time. Absent (struct_size ends before it) in
  // plugins built against ABI 1.0; the host then takes info().capabilities as they are.
  std::uint32_t overrides;
};

// The exported symbol and the ELF section that holds it.
inline constexpr char kDescriptorSymbol[] = "stopd_plugin_descriptor";
inline constexpr char kDescriptorSection[] = "stopd";

namespace detail {

template <class P>
std::unique_ptr<IStopProvider> create_provider(const ProviderConfig& config) {
  return std::make_unique<P>(config);
}

template <class P>
constexpr const char* description_of() {
  if constexpr (requires { P::kDescription; })
    return P::kDescription;
  else
    return "";
}

template <class P>
constexpr const char* config_schema_of() {
  if constexpr (requires { P::kConfigSchema; })
    return P::kConfigSchema;
  else
    return "";
}

// A member pointer's type names the class that declared the member, so an override anywhere
// between IStopProvider and P (a shared base class included) gives a different type.
template <class P>
constexpr std::uint32_t overrides_of() {
  static_assert(
      requires { &P::start, &P::inspect, &P::list; },
      "STOPD_PLUGIN: start, inspect and list must be public and not overloaded in the "
      "provider class, so that the capabilities can be derived from them");
  std::uint32_t bits = 0;
  if (!std::is_same_v<decltype(&P::start), decltype(&IStopProvider::start)>)
    bits |= kOverridesStart;
  if (!std::is_same_v<decltype(&P::inspect), decltype(&IStopProvider::inspect)>)
    bits |= kOverridesInspect;
  if (!std::is_same_v<decltype(&P::list), decltype(&IStopProvider::list)>) bits |= kOverridesList;
  return bits;
}

template <class P>
constexpr PluginDescriptor make_descriptor() {
  static_assert(std::is_base_of_v<IStopProvider, P>,
                "STOPD_PLUGIN: the class must implement stopd::sdk::IStopProvider");
  static_assert(
      std::is_constructible_v<P, const ProviderConfig&>,
      "STOPD_PLUGIN: the class needs a constructor taking const stopd::sdk::ProviderConfig&");
  return PluginDescriptor{sizeof(PluginDescriptor),
                          kAbiMajor,
                          kAbiMinor,
                          STOPD_SDK_TOOLCHAIN_TAG,
                          STOPD_SDK_COMPILER,
                          P::kName,
                          P::kVersion,
                          description_of<P>(),
                          config_schema_of<P>(),
                          &create_provider<P>,
                          overrides_of<P>()};
}

}  // namespace detail
}  // namespace stopd::sdk

// Exports the plugin's one descriptor. The non-weak marker turns a second STOPD_PLUGIN in the
// same library into a link error instead of a silent pick of one of them.
#define STOPD_PLUGIN(ProviderClass)                                                 \
  extern "C" {                                                                      \
  __attribute__((visibility("hidden"))) extern const int stopd_plugin_defined_once; \
  const int stopd_plugin_defined_once = 1;                                          \
  }                                                                                 \
  namespace stopd_plugin_export {                                                   \
  constinit const ::stopd::sdk::PluginDescriptor stopd_descriptor =                 \
      ::stopd::sdk::detail::make_descriptor<ProviderClass>();                       \
  }                                                                                 \
  BOOST_DLL_ALIAS_SECTIONED(stopd_plugin_export::stopd_descriptor, stopd_plugin_descriptor, stopd)
