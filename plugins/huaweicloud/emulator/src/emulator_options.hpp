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
  // Serve HTTPS with this certificate chain and key (PEM), both or neither.
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  FaultSettings faults;
  bool help = false;
  bool version = false;
};

// Throws std::invalid_argument naming the flag.
EmulatorOptions parse_options(const std::vector<std::string>& args);

const char* usage();

}  // namespace stopd::hwemu
