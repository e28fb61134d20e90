// What this build is, for `--version` (stopd, stopctl, stopd-plugin-host, the emulator): one fact
// per line, so a script can pick one.
//
//   stopctl 0.1.0
//   commit 3b11903abcd1
//   sdk abi 1.1
//   toolchain libstdc++-cxx11abi1;nlohmann_json-3.11.2 (gcc-12.2.0)
//
// `commit` is "unknown" for a build outside a git checkout. `toolchain` is the tag a plugin must
// match to load (stopd/sdk/version.hpp), then the compiler, which need not match.
#pragma once

#include <string>
#include <string_view>

namespace stopd {

std::string version_text(std::string_view program);

// The git commit of this build (12 hex digits), or "unknown".
std::string_view build_commit();

}  // namespace stopd
