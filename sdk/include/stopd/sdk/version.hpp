// The SDK's binary contract: what a plugin was built against, recorded in its descriptor and
// checked by the host before it calls anything in the plugin.
#pragma once

#include <nlohmann/json.hpp>

#define STOPD_SDK_STRINGIFY_(x) #x
#define STOPD_SDK_STRINGIFY(x) STOPD_SDK_STRINGIFY_(x)

namespace stopd::sdk {

// Major: bumped when any type that crosses the plugin boundary changes incompatibly; the host
// refuses a plugin whose major differs. Minor: bumped when something is added compatibly; the
// host accepts plugins built against an equal or older minor.
inline constexpr unsigned kAbiMajor = 1;
inline constexpr unsigned kAbiMinor = 1;  // 1.1: PluginDescriptor::overrides

}  // namespace stopd::sdk

// Everything that decides whether C++ objects (std::string, std::function, nlohmann::json, …)
// can be passed between host and plugin. The compiler itself is not part of it: GCC and Clang
// builds against the same libstdc++ and the same nlohmann_json interoperate.
#if defined(_LIBCPP_VERSION)
#define STOPD_SDK_STDLIB_ "libc++-" STOPD_SDK_STRINGIFY(_LIBCPP_ABI_VERSION)
#elif defined(__GLIBCXX__)
#define STOPD_SDK_STDLIB_ "libstdc++-cxx11abi" STOPD_SDK_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#else
#define STOPD_SDK_STDLIB_ "unknown-stdlib"
#endif

#define STOPD_SDK_TOOLCHAIN_TAG                                                               \
  STOPD_SDK_STDLIB_                                                                           \
  ";nlohmann_json-" STOPD_SDK_STRINGIFY(NLOHMANN_JSON_VERSION_MAJOR) "." STOPD_SDK_STRINGIFY( \
      NLOHMANN_JSON_VERSION_MINOR) "." STOPD_SDK_STRINGIFY(NLOHMANN_JSON_VERSION_PATCH)

// Informational only: shown in diagnostics, never compared.
#if defined(__clang__)
#define STOPD_SDK_COMPILER                                               \
  "clang-" STOPD_SDK_STRINGIFY(__clang_major__) "." STOPD_SDK_STRINGIFY( \
      __clang_minor__) "." STOPD_SDK_STRINGIFY(__clang_patchlevel__)
#elif defined(__GNUC__)
#define STOPD_SDK_COMPILER                                      \
  "gcc-" STOPD_SDK_STRINGIFY(__GNUC__) "." STOPD_SDK_STRINGIFY( \
      __GNUC_MINOR__) "." STOPD_SDK_STRINGIFY(__GNUC_PATCHLEVEL__)
#else
#define STOPD_SDK_COMPILER "unknown-compiler"
#endif
