// Process exit codes of stopctl (and of anything scripting around stops). Stable: scripts
// depend on them.
#pragma once

#include "stopd/sdk/outcome.hpp"

namespace stopd::core {

namespace exit_code {
inline constexpr int ok = 0;      // stopped or already_stopped
inline constexpr int usage = 2;   // bad command line
inline constexpr int config = 3;  // unreadable or invalid config, or no usable plugin
// stopd only: code it loaded (a plugin) called exit() while stopd served. Not 1, "could not
// start", so a supervisor can tell a plugin that ended the daemon from a start that failed.
inline constexpr int plugin_exit = 4;
// stopd only: the shutdown outlasted its bound (drain_timeout_seconds + 10 s) because code it
// does not own (a plugin) did not return; stopd exits without waiting for it.
inline constexpr int shutdown_stuck = 5;
inline constexpr int not_found = 10;
inline constexpr int invalid_argument = 11;
inline constexpr int unauthenticated = 12;
inline constexpr int permission_denied = 13;
inline constexpr int failed_precondition = 14;
inline constexpr int unavailable = 15;
inline constexpr int deadline_exceeded = 16;
inline constexpr int cancelled = 17;
inline constexpr int internal = 18;
}  // namespace exit_code

constexpr int exit_code_for(sdk::Code code) {
  switch (code) {
    case sdk::Code::stopped:
    case sdk::Code::already_stopped:
      return exit_code::ok;
    case sdk::Code::not_found:
      return exit_code::not_found;
    case sdk::Code::invalid_argument:
      return exit_code::invalid_argument;
    case sdk::Code::unauthenticated:
      return exit_code::unauthenticated;
    case sdk::Code::permission_denied:
      return exit_code::permission_denied;
    case sdk::Code::failed_precondition:
      return exit_code::failed_precondition;
    case sdk::Code::unavailable:
      return exit_code::unavailable;
    case sdk::Code::deadline_exceeded:
      return exit_code::deadline_exceeded;
    case sdk::Code::cancelled:
      return exit_code::cancelled;
    case sdk::Code::internal:
      return exit_code::internal;
  }
  return exit_code::internal;
}

}  // namespace stopd::core
