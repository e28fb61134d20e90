// A target resolved into the processes it names right now. Every process comes with a pidfd that
// was opened before its identity (start_time, group, cgroup membership) was checked, and the check
// ends with the pidfd still not readable: the process was alive throughout, so its pid could not
// have been reused, so what was checked is the process behind the pidfd.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cgroup.hpp"
#include "target_spec.hpp"
#include "unique_fd.hpp"

namespace stopd::process {

struct RunningProcess {
  pid_t pid = 0;
  UniqueFd pidfd;
  std::string comm;
  std::uint64_t start_time = 0;
};

struct Resolution {
  std::vector<RunningProcess> running;
  // When nothing runs: why, for humans ("pid 4242 does not exist").
  std::string absent_reason;
  // pid and pidfile targets: the pid looked at (0 for groups).
  pid_t pid = 0;
};

class ProcessTarget {
 public:
  // Checks the target's fields and, for a cgroup, the directory. Throws StopError:
  // invalid_argument (naming the field), not_found (no such cgroup), permission_denied, internal.
  explicit ProcessTarget(TargetSpec spec);

  const TargetSpec& spec() const { return spec_; }
  bool is_group() const { return spec_.is_group(); }
  const std::optional<CgroupDir>& cgroup() const { return cgroup_; }

  // "pid 4242", "pidfile /run/x.pid", "process group 4242", "cgroup /sys/fs/cgroup/x".
  std::string describe() const;

  // {"pid": 4242} / {"pgid": …} / {"pidfile": …, "pid": …} / {"cgroup": …}: the target as resolved.
  nlohmann::json facts(const Resolution& resolution) const;

  // The processes running now, with pidfds. `skip` (sorted) lists pids already held through a
  // pidfd by the caller; they are left out. Refuses (failed_precondition) a target that includes
  // this process. Throws StopError: not_found (pidfile), invalid_argument, failed_precondition,
  // permission_denied, unavailable (out of descriptors), internal.
  Resolution resolve(std::span<const pid_t> skip = {}) const;

 private:
  Resolution resolve_pid(pid_t pid, const std::string& label) const;
  Resolution resolve_process_group(std::span<const pid_t> skip) const;
  Resolution resolve_cgroup(std::span<const pid_t> skip) const;

  TargetSpec spec_;
  std::optional<CgroupDir> cgroup_;
};

}  // namespace stopd::process
