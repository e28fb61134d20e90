// What a stop did, kept while it runs and turned into the outcome's message (for humans) and
// details (for scripts) when it ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "target_spec.hpp"

namespace stopd::process {

// Lists of processes in messages and details are capped; the counts are not.
inline constexpr std::size_t kMaxListedProcesses = 100;
inline constexpr std::size_t kMaxProcessesInMessage = 5;

struct ProcessRef {
  pid_t pid = 0;
  std::string comm;
};

struct SignalBatch {
  int signal = 0;
  bool forced = false;                 // SIGKILL of the forced phase, not the graceful stop signal
  std::chrono::milliseconds after{0};  // since the stop began
  std::size_t processes = 0;
};

struct StopRecord {
  TargetKind kind = TargetKind::pid;
  std::string subject;  // "process group 4242", "cgroup /x"; for one process filled in on resolve
  nlohmann::json target = nlohmann::json::object();  // the resolved target's facts
  std::vector<ProcessRef> processes;                 // every process signalled, first ones only
  std::size_t process_count = 0;
  std::vector<SignalBatch> signals;
  int stop_signal = 0;
  std::optional<std::chrono::milliseconds> forced_after;  // when SIGKILL first went out, if it did
  bool graceful_sent = false;                             // the stop signal went out at least once

  void add_process(pid_t pid, const std::string& comm);
  void add_signals(int signal, bool forced, std::chrono::milliseconds after, std::size_t processes);
  bool any_signal_sent() const { return !signals.empty(); }
};

// "12 ms", "2 s", "1.5 s", "3 min 20 s".
std::string format_duration(std::chrono::milliseconds duration);

// "4243 (sleep), 4244 (bash) and 3 more".
std::string list_processes(const std::vector<ProcessRef>& processes);

// {"kind", <target facts>, "processes", "process_count", "signals", "forced", "duration_ms", …}
nlohmann::json make_details(const StopRecord& record, std::chrono::milliseconds duration);

// The outcome message for a stop that ended with everything gone.
std::string stopped_message(const StopRecord& record, std::chrono::milliseconds duration);

// "SIGTERM", "SIGTERM and SIGKILL": every signal sent, in order.
std::string signal_names_sent(const StopRecord& record);

// "SIGTERM to pid 4242 (sleep)", "SIGTERM and SIGKILL to 3 processes of process group 7"; or
// "no signal" if none was sent.
std::string signals_sent(const StopRecord& record);

}  // namespace stopd::process
