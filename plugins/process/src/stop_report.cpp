#include "stop_report.hpp"

#include <algorithm>

#include "signal_names.hpp"

namespace stopd::process {
namespace {

std::string plural(std::size_t count, const char* noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "es");
}

bool single(const StopRecord& record) {
  return record.kind == TargetKind::pid || record.kind == TargetKind::pidfile;
}

}  // namespace

void StopRecord::add_process(pid_t pid, const std::string& comm) {
  ++process_count;
  if (processes.size() < kMaxListedProcesses) processes.push_back(ProcessRef{pid, comm});
}

void StopRecord::add_signals(int signal, bool forced, std::chrono::milliseconds after,
                             std::size_t count) {
  if (count == 0) return;
  if (!forced) graceful_sent = true;
  if (forced && !forced_after) forced_after = after;
  signals.push_back(SignalBatch{signal, forced, after, count});
}

std::string format_duration(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  // A grace is measured from when this provider saw the stop, a little after the caller started
  // it: 999 ms of a 1 s grace reads as "1 s".
  if (ms < 950) return std::to_string(ms) + " ms";
  if (ms < 9950) {
    const auto tenths = (ms + 50) / 100;
    if (tenths % 10 != 0)
      return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
    return std::to_string(tenths / 10) + " s";
  }
  const auto seconds = (ms + 500) / 1000;
  if (seconds < 120) return std::to_string(seconds) + " s";
  const auto minutes = seconds / 60;
  return std::to_string(minutes) + " min" +
         (seconds % 60 ? " " + std::to_string(seconds % 60) + " s" : "");
}

std::string list_processes(const std::vector<ProcessRef>& processes) {
  std::string out;
  const std::size_t shown = std::min(processes.size(), kMaxProcessesInMessage);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i) out += ", ";
    out += std::to_string(processes[i].pid) + " (" + processes[i].comm + ")";
  }
  if (processes.size() > shown) out += " and " + std::to_string(processes.size() - shown) + " more";
  return out;
}

nlohmann::json make_details(const StopRecord& record, std::chrono::milliseconds duration) {
  nlohmann::json details = record.target;
  details["kind"] = std::string(to_string(record.kind));
  auto& processes = details["processes"] = nlohmann::json::array();
  for (const auto& process : record.processes)
    processes.push_back({{"pid", process.pid}, {"comm", process.comm}});
  details["process_count"] = record.process_count;
  auto& signals = details["signals"] = nlohmann::json::array();
  for (const auto& batch : record.signals)
    signals.push_back({{"signal", signal_name(batch.signal)},
                       {"after_ms", batch.after.count()},
                       {"processes", batch.processes}});
  details["forced"] = record.forced_after.has_value();
  details["duration_ms"] = duration.count();
  return details;
}

std::string stopped_message(const StopRecord& record, std::chrono::milliseconds duration) {
  const std::string stop_signal = signal_name(record.stop_signal);
  std::size_t killed = 0;
  for (const auto& batch : record.signals)
    if (batch.forced) killed += batch.processes;

  if (single(record)) {
    if (!record.forced_after)
      return record.subject + " exited after " + stop_signal + " in " + format_duration(duration);
    if (!record.graceful_sent)
      return record.subject + " killed with SIGKILL in " + format_duration(duration);
    return record.subject + " did not exit within the " + format_duration(*record.forced_after) +
           " grace; killed with SIGKILL";
  }
  const std::string all = plural(record.process_count, "process");
  if (!record.forced_after)
    return record.subject + ": " + all + " exited after " + stop_signal + " in " +
           format_duration(duration);
  if (!record.graceful_sent)
    return record.subject + ": " + all + " killed with SIGKILL in " + format_duration(duration);
  return record.subject + ": " + std::to_string(killed) + " of " + all +
         " did not exit within the " + format_duration(*record.forced_after) +
         " grace; killed with SIGKILL";
}

std::string signals_sent(const StopRecord& record) {
  if (record.signals.empty()) return "no signal";
  const std::string out = signal_names_sent(record);
  if (single(record)) return out + " to " + record.subject;
  return out + " to " + plural(record.process_count, "process") + " of " + record.subject;
}

std::string signal_names_sent(const StopRecord& record) {
  std::vector<int> names;
  for (const auto& batch : record.signals)
    if (std::find(names.begin(), names.end(), batch.signal) == names.end())
      names.push_back(batch.signal);
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += i + 1 == names.size() ? " and " : ", ";
    out += signal_name(names[i]);
  }
  return out;
}

}  // namespace stopd::process
