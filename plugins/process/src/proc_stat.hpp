// What /proc/PID/stat says about one process: the fields a stop needs to identify it (start_time
// against pid reuse, comm for humans) and to decide whether it is a member of a group.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stopd::process {

struct ProcStat {
  pid_t pid = 0;
  std::string comm;  // at most 15 bytes; the kernel truncates longer names
  char state = '?';  // R, S, D, Z, T, …
  pid_t ppid = 0;
  pid_t pgrp = 0;
  pid_t session = 0;
  std::uint64_t flags = 0;       // PF_* flags
  std::uint64_t start_time = 0;  // clock ticks since boot (field 22)

  bool is_zombie() const { return state == 'Z' || state == 'X' || state == 'x'; }
  bool is_kernel_thread() const;
};

// The text of /proc/PID/stat, parsed; nullopt if it does not have that shape.
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// 0 and `out` filled, or an errno: ENOENT/ESRCH (no such process), EACCES (hidepid), EIO (the
// file did not parse).
int read_proc_stat(pid_t pid, ProcStat& out) noexcept;

// The thread group (process) a task id belongs to, from /proc/TID/status; 0 if unknown.
pid_t read_thread_group(pid_t tid) noexcept;

}  // namespace stopd::process
