// Enumerating processes through /proc: the only way the kernel offers to find the members of a
// process group or the processes with a given name.
#pragma once

#include <sys/types.h>

#include <vector>

namespace stopd::process {

// Every process (thread group) id visible in /proc. 0 or an errno.
int list_pids(std::vector<pid_t>& out) noexcept;

}  // namespace stopd::process
