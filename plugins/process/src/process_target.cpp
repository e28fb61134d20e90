#include "process_target.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "errors.hpp"
#include "pidfd.hpp"
#include "pidfile.hpp"
#include "proc_scan.hpp"
#include "proc_stat.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::process {
namespace {

using sdk::Code;
using sdk::StopError;

bool contains(std::span<const pid_t> sorted, pid_t pid) {
  return std::binary_search(sorted.begin(), sorted.end(), pid);
}

std::string own_process() {
  return "stopd's own process (pid " + std::to_string(::getpid()) + ")";
}

// Opens a pidfd for a member candidate. Returns false for a process that is already gone (or a
// task id that is not a process); throws on running out of descriptors and the like.
bool open_member(pid_t pid, UniqueFd& fd) {
  const int error = open_pidfd(pid, fd);
  if (error == 0) return true;
  if (error == ESRCH || error == EINVAL || error == ENOENT) return false;
  throw_errno(error, "cannot open a pidfd for pid " + std::to_string(pid));
}

}  // namespace

ProcessTarget::ProcessTarget(TargetSpec spec) : spec_(std::move(spec)) {
  if (spec_.kind == TargetKind::cgroup) {
    cgroup_ = open_cgroup_dir(spec_.path, "target.cgroup");
    spec_.path = cgroup_->path;
  }
}

std::string ProcessTarget::describe() const {
  switch (spec_.kind) {
    case TargetKind::pid:
      return "pid " + std::to_string(spec_.id);
    case TargetKind::pgid:
      return "process group " + std::to_string(spec_.id);
    case TargetKind::pidfile:
      return "pidfile " + spec_.path;
    case TargetKind::cgroup:
      return "cgroup " + spec_.path;
  }
  return {};
}

nlohmann::json ProcessTarget::facts(const Resolution& resolution) const {
  nlohmann::json facts = nlohmann::json::object();
  switch (spec_.kind) {
    case TargetKind::pid:
      facts["pid"] = spec_.id;
      break;
    case TargetKind::pgid:
      facts["pgid"] = spec_.id;
      break;
    case TargetKind::pidfile:
      facts["pidfile"] = spec_.path;
      if (resolution.pid != 0) facts["pid"] = resolution.pid;
      break;
    case TargetKind::cgroup:
      facts["cgroup"] = spec_.path;
      facts["cgroup_version"] = cgroup_ && cgroup_->version == CgroupVersion::v1 ? 1 : 2;
      break;
  }
  if (spec_.start_time) facts["start_time"] = *spec_.start_time;
  return facts;
}

Resolution ProcessTarget::resolve(std::span<const pid_t> skip) const {
  switch (spec_.kind) {
    case TargetKind::pid:
      return resolve_pid(spec_.id, "pid " + std::to_string(spec_.id));
    case TargetKind::pidfile: {
      const pid_t pid = read_pidfile(spec_.path);
      return resolve_pid(pid, "pid " + std::to_string(pid) + " (from pidfile " + spec_.path + ")");
    }
    case TargetKind::pgid:
      return resolve_process_group(skip);
    case TargetKind::cgroup:
      return resolve_cgroup(skip);
  }
  throw StopError(Code::internal, "unknown target kind");
}

Resolution ProcessTarget::resolve_pid(pid_t pid, const std::string& label) const {
  Resolution result;
  result.pid = pid;
  if (pid == ::getpid())
    throw StopError(Code::failed_precondition,
                    label + " is " + own_process() + "; refusing to signal it");
  if (pid == 1)
    throw StopError(Code::failed_precondition,
                    label + " is the init process; stopping it would stop the whole system");

  UniqueFd fd;
  if (const int error = open_pidfd(pid, fd)) {
    if (error == ESRCH) {
      result.absent_reason = label + " does not exist";
      return result;
    }
    if (error == EINVAL || error == ENOENT) {
      // pidfd_open() refuses task ids of threads other than the leader (EINVAL; ENOENT on newer
      // kernels), and a task that exited meanwhile looks the same.
      const pid_t process = read_thread_group(pid);
      if (process == ::getpid())
        throw StopError(Code::failed_precondition,
                        label + " is a thread of " + own_process() + "; refusing to signal it");
      if (process > 0 && process != pid)
        throw StopError(Code::invalid_argument, "target: " + label + " is a thread of process " +
                                                    std::to_string(process) + ", not a process");
      if (process == 0) {
        result.absent_reason = label + " does not exist";
        return result;
      }
    }
    throw_errno(error, "cannot open a pidfd for " + label);
  }

  ProcStat stat;
  const int stat_error = read_proc_stat(pid, stat);
  if (has_exited(fd.get())) {
    result.absent_reason = label + " has already exited";
    if (stat_error == 0 && stat.is_zombie())
      result.absent_reason += " (" + stat.comm + ", not yet reaped by its parent)";
    return result;
  }
  // Not exited after the read: the stat (or the error) is the pidfd's process's own.
  if (stat_error != 0) {
    if (stat_error == EACCES && !spec_.start_time) {
      stat.comm = "?";  // /proc mounted with hidepid; the name is only for humans
    } else {
      throw_errno(stat_error, "cannot read /proc/" + std::to_string(pid) + "/stat");
    }
  } else if (stat.is_kernel_thread()) {
    throw StopError(Code::failed_precondition,
                    label + " (" + stat.comm + ") is a kernel thread; it cannot be stopped");
  } else if (spec_.start_time && stat.start_time != *spec_.start_time) {
    throw StopError(Code::failed_precondition,
                    label + " now belongs to a different process (" + stat.comm + ", start_time " +
                        std::to_string(stat.start_time) + ", expected " +
                        std::to_string(*spec_.start_time) + "); nothing was signalled");
  }
  result.running.push_back(
      RunningProcess{pid, std::move(fd), std::move(stat.comm), stat.start_time});
  return result;
}

Resolution ProcessTarget::resolve_process_group(std::span<const pid_t> skip) const {
  const pid_t pgid = spec_.id;
  const std::string label = describe();
  if (pgid == ::getpgrp())
    throw StopError(Code::failed_precondition,
                    label + " contains " + own_process() + "; refusing to signal it");

  std::vector<pid_t> pids;
  if (const int error = list_pids(pids)) throw_errno(error, "cannot list /proc");

  Resolution result;
  ProcStat stat;
  for (const pid_t pid : pids) {
    if (contains(skip, pid)) continue;
    if (read_proc_stat(pid, stat) != 0 || stat.pgrp != pgid || stat.is_zombie() ||
        stat.is_kernel_thread())
      continue;
    UniqueFd fd;
    if (!open_member(pid, fd)) continue;
    // The first read may have seen a previous owner of this pid: check again through the pidfd.
    if (read_proc_stat(pid, stat) != 0 || has_exited(fd.get()) || stat.pgrp != pgid) continue;
    if (pid == ::getpid())
      throw StopError(Code::failed_precondition,
                      label + " contains " + own_process() + "; refusing to signal it");
    result.running.push_back(RunningProcess{pid, std::move(fd), stat.comm, stat.start_time});
  }
  if (result.running.empty()) result.absent_reason = label + " has no running processes";
  return result;
}

Resolution ProcessTarget::resolve_cgroup(std::span<const pid_t> skip) const {
  const std::string label = describe();
  std::vector<pid_t> before;
  if (const int error = read_cgroup_pids(spec_.path, before))
    throw_errno(error, "cannot read the processes of " + label);
  if (std::binary_search(before.begin(), before.end(), ::getpid()))
    throw StopError(Code::failed_precondition,
                    label + " contains " + own_process() + "; refusing to signal it");

  std::vector<RunningProcess> opened;
  for (const pid_t pid : before) {
    if (contains(skip, pid)) continue;
    UniqueFd fd;
    if (open_member(pid, fd)) opened.push_back(RunningProcess{pid, std::move(fd), {}, 0});
  }
  // Read again after the pidfds exist: a pid listed both times whose pidfd is still open and not
  // readable afterwards was a member of the cgroup and is that pidfd's process.
  std::vector<pid_t> after;
  if (const int error = read_cgroup_pids(spec_.path, after))
    throw_errno(error, "cannot read the processes of " + label);

  Resolution result;
  ProcStat stat;
  for (auto& process : opened) {
    if (!std::binary_search(after.begin(), after.end(), process.pid)) continue;
    const int stat_error = read_proc_stat(process.pid, stat);
    if (has_exited(process.pidfd.get())) continue;
    if (stat_error == 0) {
      if (stat.is_kernel_thread()) continue;
      process.comm = stat.comm;
      process.start_time = stat.start_time;
    } else {
      process.comm = "?";
    }
    result.running.push_back(std::move(process));
  }
  if (result.running.empty()) result.absent_reason = label + " has no running processes";
  return result;
}

}  // namespace stopd::process
