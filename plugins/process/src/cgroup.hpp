// Control groups as stop targets: a directory on a cgroup (v1) or cgroup2 filesystem. A cgroup is
// stopped as a whole, descendants included: under cgroup v2 processes live only in the leaves of a
// delegated subtree, and cgroup.kill kills the whole subtree as well.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace stopd::process {

enum class CgroupVersion { v1, v2 };

struct CgroupDir {
  std::string path;  // normalised, absolute
  CgroupVersion version = CgroupVersion::v2;
};

// Checks that `path` is an absolute path to a cgroup directory (on a cgroup filesystem, with a
// cgroup.procs). Throws StopError: invalid_argument naming `field`, not_found (no such
// directory), permission_denied, internal.
CgroupDir open_cgroup_dir(const std::string& path, std::string_view field);

// Every pid in the cgroup and its descendants, deduplicated. A cgroup removed meanwhile has no
// processes. 0 or an errno.
int read_cgroup_pids(const std::string& path, std::vector<pid_t>& out) noexcept;

// Writes "1" to cgroup.kill (cgroup v2, Linux 5.14+): SIGKILL to the whole subtree at once, forks
// in flight included. 0 or an errno (ENOENT: the kernel has no cgroup.kill).
int write_cgroup_kill(const std::string& path) noexcept;

}  // namespace stopd::process
