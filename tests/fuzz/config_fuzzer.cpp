// A config file through load_daemon_config, as `stopd --config FILE` reads it (the host's keys,
// listen, auth with its secrets, journal, metrics). Every input must end in a config or a
// ConfigError, and a file the daemon accepts must be one `stopctl --local` accepts too.
//
// The file lives in a scratch directory that also holds what a config may name relative to it:
// PEM files (cert.pem, key.pem, ca.pem), a secret file (token), a file that is not PEM
// (not-pem.txt) and a directory (state/). The environment variable STOPD_FUZZ_TOKEN is set.
#include <cstdlib>
#include <filesystem>

#include "fuzz_check.hpp"
#include "scratch_dir.hpp"
#include "stopd/daemon_config/daemon_config.hpp"

namespace {

using stopd::fuzz::fail;

bool populate(const stopd::fuzz::ScratchDir& dir) {
  constexpr std::string_view kPem =
      "-----BEGIN CERTIFICATE-----\nMAo=\n-----END CERTIFICATE-----\n";
  dir.write("cert.pem", kPem);
  dir.write("key.pem", "-----BEGIN PRIVATE KEY-----\nMAo=\n-----END PRIVATE KEY-----\n");
  dir.write("ca.pem", kPem);
  dir.write("token", "a-secret-from-a-file\n");
  dir.write("not-pem.txt", "no PEM block here\n");
  return std::filesystem::create_directory(dir.path() / "state");
}

const stopd::fuzz::ScratchDir& scratch() {
  static const stopd::fuzz::ScratchDir dir;
  static const bool populated = populate(dir);
  if (!populated) fail("cannot create the scratch directory's state/");
  return dir;
}

}  // namespace

// Setup before the first input: its coverage is not what is fuzzed, and libFuzzer would count
// it with whichever input happens to run first.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ::setenv("STOPD_FUZZ_TOKEN", "a-secret-from-the-environment", 1);
  scratch();
  stopd::core::parse_host_config(nlohmann::json::object(), {});  // compiles the config schema
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = stopd::fuzz::text_of(data, size);
  const auto file = scratch().write("config.json", text);
  try {
    stopd::core::load_daemon_config(file);
  } catch (const stopd::core::ConfigError& e) {
    if (!std::string_view(e.what()).starts_with(file.native()))
      fail("a config error does not name the file", e.what());
    return 0;
  }
  try {
    stopd::core::load_host_config(file);
  } catch (const stopd::core::ConfigError& e) {
    fail("stopd accepts a config that stopctl --local refuses", e.what());
  }
  return 0;
}
