// stopd-plugin-host: one isolated provider's process. stopd starts it; nobody else should.
//   stopd-plugin-host --serve-fd FD --type TYPE   serve the session on the inherited socket FD
//   stopd-plugin-host --describe FILE…            print each library's resource type (JSON lines)
//   stopd-plugin-host --validate FILE             check one library for `stopctl plugins validate`
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "../src/isolation/plugin_host_service.hpp"
#include "../src/isolation/plugin_self_check.hpp"
#include "stopd/build_info/build_info.hpp"

namespace {

constexpr const char* kUsage =
    "Usage: stopd-plugin-host --serve-fd FD --type TYPE\n"
    "       stopd-plugin-host --describe FILE...\n"
    "       stopd-plugin-host --validate FILE < SETTINGS_JSON\n"
    "\n"
    "Serves one stopd plugin to stopd in a process of its own, for providers configured with\n"
    "\"isolation\": \"process\". stopd starts it with a connected socket as FD and ends it when\n"
    "it no longer needs it; it exits as soon as that socket closes. It is not meant to be run by\n"
    "hand. --describe prints, for each plugin library, the resource type it provides (one JSON\n"
    "object per line), loading it without creating its provider. --validate runs the checks of\n"
    "'stopctl plugins validate' on one library (JSON lines), with the settings of each resource\n"
    "type read from stdin as one JSON object.\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "stopd-plugin-host: %s\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) return usage_error("nothing to do");
  if (args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args[0] == "--version") {
    std::fputs(stopd::version_text("stopd-plugin-host").c_str(), stdout);
    return 0;
  }
  if (args[0] == "--describe") {
    std::vector<std::filesystem::path> files(args.begin() + 1, args.end());
    const int code = stopd::core::describe_plugins(files);
    // The libraries it loaded stay loaded; their static destructors are not worth running.
    std::fflush(nullptr);
    _exit(code);
  }
  if (args[0] == "--validate" && args.size() == 2) {
    const std::string input((std::istreambuf_iterator<char>(std::cin)),
                            std::istreambuf_iterator<char>());
    const auto settings = nlohmann::json::parse(input, nullptr, false);
    if (settings.is_discarded()) return usage_error("--validate: stdin is not one JSON object");
    const int code = stopd::core::self_check_plugin(std::filesystem::path(args[1]), settings);
    std::fflush(nullptr);
    _exit(code);  // as with --describe: the plugin's static destructors are not worth running
  }
  if (args[0] == "--serve-fd" && args.size() >= 2) {
    const std::string number(args[1]);  // strtol's `end` points into it: it must outlive the check
    char* end = nullptr;
    const long fd = std::strtol(number.c_str(), &end, 10);
    if (end == nullptr || *end != '\0' || fd < 0 || fd > 65535)
      return usage_error("--serve-fd: expected a file descriptor number");
    stopd::core::serve_plugin_host(static_cast<int>(fd));
  }
  return usage_error("unknown arguments");
}
