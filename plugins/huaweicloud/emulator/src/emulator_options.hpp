// stopd-hwcloud-emulator's command line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fault_injector.hpp"

namespace stopd::hwemu {

struct EmulatorOptions {
  std::string host = "127.0.0.1";
  int port = 8780;  // 0 = any free port
  std::optional<std::string> fixture;
  FaultSettings faults;
  bool help = false;
};

// Throws std::invalid_argument naming the flag.
EmulatorOptions parse_options(const std::vector<std::string>& args);

const char* usage();

}  // namespace stopd::hwemu
