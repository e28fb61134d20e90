// stopd-conformance: the rules every stopd provider keeps, checked against a plugin through the
// real host and a fixture that makes resources of its type.
//
//   stopd-conformance --plugin FILE.so --fixture FIXTURE.so [--isolation in_process|process|both]
//                     [gtest flags, e.g. --gtest_filter='Stop*']
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "suite.hpp"

namespace {

constexpr char kUsage[] =
    "usage: stopd-conformance --plugin FILE.so --fixture FIXTURE.so\n"
    "                         [--isolation in_process|process|both] [gtest flags]\n"
    "\n"
    "Loads FILE.so through the stopd host (in process, in a stopd-plugin-host, or both; default\n"
    "both) and checks the rules every provider keeps against resources FIXTURE.so makes:\n"
    "schemas and metadata, stop semantics, deadline, cancellation, escalation, concurrency and\n"
    "safety. A failure names the rule, the request and what came back. Build FIXTURE.so with\n"
    "stopd_add_conformance_test() from the stopd-sdk CMake package. Exit status: 0 when every\n"
    "rule holds, 1 when one does not, 2 for a usage error.\n";

int usage_error(const std::string& message) {
  std::cerr << "stopd-conformance: " << message << "\n\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  auto& options = stopd::conformance::suite_options();
  std::string isolation = "both";
  std::vector<char*> rest{argv[0]};
  bool listing = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--plugin" || arg == "--fixture" || arg == "--isolation") {
      if (i + 1 >= argc) return usage_error(arg + ": expected a value");
      const char* given = argv[++i];
      if (arg == "--plugin") options.plugin = std::filesystem::absolute(given);
      if (arg == "--fixture") options.fixture = std::filesystem::absolute(given);
      if (arg == "--isolation") isolation = given;
    } else {
      if (arg.rfind("--gtest_list_tests", 0) == 0) listing = true;
      rest.push_back(argv[i]);
    }
  }
  if (isolation == "both")
    options.isolation_modes = {"in_process", "process"};
  else if (isolation == "in_process" || isolation == "process")
    options.isolation_modes = {isolation};
  else
    return usage_error("--isolation: expected in_process, process or both, got '" + isolation +
                       "'");
  if (!listing && options.plugin.empty()) return usage_error("--plugin: required");
  if (!listing && options.fixture.empty()) return usage_error("--fixture: required");
  if (!listing) {
    try {
      stopd::conformance::prepare_suite();
    } catch (const std::exception& e) {
      std::cerr << "stopd-conformance: " << e.what() << "\n";
      return 1;
    }
  }
  int rest_count = static_cast<int>(rest.size());
  rest.push_back(nullptr);
  ::testing::InitGoogleTest(&rest_count, rest.data());
  return RUN_ALL_TESTS() == 0 ? 0 : 1;
}
