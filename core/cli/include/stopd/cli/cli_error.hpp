// An error that ends a stopctl command before (or instead of) a stop: a bad command line, an
// unusable config, an unknown plugin. It carries the exit code the process ends with and the code
// name scripts see in `-o json` output.
#pragma once

#include <stdexcept>
#include <string>

#include "stopd/core/exit_codes.hpp"

namespace stopd::cli {

class CliError : public std::runtime_error {
 public:
  CliError(int exit_code, std::string code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code), code_(std::move(code)) {}

  int exit_code() const noexcept { return exit_code_; }
  // "usage_error", "config_error", or an outcome code name such as "invalid_argument".
  const std::string& code() const noexcept { return code_; }

 private:
  int exit_code_;
  std::string code_;
};

inline CliError usage_error(const std::string& message) {
  return CliError(core::exit_code::usage, "usage_error", message);
}

inline CliError config_error(const std::string& message) {
  return CliError(core::exit_code::config, "config_error", message);
}

inline CliError outcome_error(sdk::Code code, const std::string& message) {
  return CliError(core::exit_code_for(code), std::string(sdk::to_string(code)), message);
}

}  // namespace stopd::cli
