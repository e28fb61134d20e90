// Follows one job in the daemon through WatchJob until it finishes, for `stop --wait` and
// `jobs watch`: every event printed (a line, or a JSON object), or a live line on a terminal,
// or nothing; stopped early by a signal (WaitInterrupter) or --timeout.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "stopd/cli/console.hpp"
#include "stopd/cli/daemon_client.hpp"
#include "stopd/cli/wait_interrupter.hpp"
#include "stopd/core/job.hpp"

namespace stopd::cli {

struct FollowOptions {
  // Print every event on stdout: event_line(), or event_json() with -o json.
  bool print_events = false;
  // Keep a live line (live_line()) on this stream while waiting, if it is a terminal.
  bool live = false;
  Console::Stream live_stream = Console::Stream::err;
  // Draw the live line only once the wait has lasted this long (no flicker for quick stops).
  std::chrono::milliseconds live_after{0};
  // Shown before the live line: "stopping ".
  std::string live_prefix;
};

struct FollowResult {
  enum class End {
    finished,     // `job` is finished
    interrupted,  // a signal stopped the wait; `signal` says which
    timed_out,    // --timeout passed
    ended,        // the daemon ended the watch (shutting down) before the job finished
  };
  End end = End::finished;
  core::Job job;  // as last seen
  int signal = 0;
  std::string message;  // for `ended`: what the daemon said
};

// Follows job `id`; `known` is the job as the caller has it already (accepted by Stop), if it
// has: a finished one is returned at once. Throws the CliError of a failed watch. The interrupter
// must be the one constructed before `client`.
FollowResult follow_job(DaemonClient& client, const std::string& id,
                        const std::optional<core::Job>& known, const FollowOptions& options,
                        WaitInterrupter& interrupter, Console& console);

// What stopctl says when it stops waiting for a job that keeps running in the daemon (`result`
// did not end `finished`): the message, the exit code (17 (cancelled) for a signal, 16 for
// --timeout, 15 when the daemon ended the watch), and the error JSON with the job's id.
struct UnfinishedWait {
  std::string message;
  int exit_code = 0;
  nlohmann::json json;
};
UnfinishedWait unfinished_wait(const FollowResult& result, const DaemonClient& client);

// Prints it ("stopctl: " and the message on stderr, or the JSON under -o json) and returns the
// exit code; for a finished job, only the exit code of its outcome.
int report_unfinished_wait(const FollowResult& result, const DaemonClient& client,
                           Console& console);

}  // namespace stopd::cli
