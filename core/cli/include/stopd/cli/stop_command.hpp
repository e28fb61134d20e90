// `stopctl stop TYPE KEY=VALUE…`: one stop, through the daemon (a job) or with --local through
// the dispatcher in this process; its outcome printed, its outcome's exit code returned.
#pragma once

#include <chrono>
#include <cstddef>

#include "stopd/cli/console.hpp"
#include "stopd/cli/options.hpp"

namespace stopd::cli {

// The grace when neither --grace nor --immediate is given.
inline constexpr std::chrono::seconds kDefaultGrace{10};

// Longest KEY=VALUE (or TYPE) accepted on the command line: a larger target than this is refused
// by the dispatcher anyway, and echoing it back would bury the message.
inline constexpr std::size_t kMaxArgumentBytes = 16 * 1024;

// Returns the exit code. Throws CliError for a bad command line or config.
int run_stop(const GlobalOptions& global, const StopArguments& args, Console& console);

}  // namespace stopd::cli
