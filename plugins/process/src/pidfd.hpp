// Process handles that cannot be confused by pid reuse: a pidfd keeps naming the process it was
// opened for, signals sent through it never reach a newer process with the same pid, and it polls
// readable once that process has exited (a zombie included: it no longer runs, and a process that
// is not our child is not ours to reap).
#pragma once

#include <sys/types.h>

#include "unique_fd.hpp"

namespace stopd::process {

// 0 and `out` set, or an errno: ESRCH (no such process), EINVAL (a thread, not a process),
// EMFILE/ENFILE (out of descriptors), ENOMEM.
int open_pidfd(pid_t pid, UniqueFd& out) noexcept;

// 0 or an errno: ESRCH (it has exited and been reaped), EPERM.
int send_signal(int pidfd, int signal) noexcept;

// True once the process has exited (zombie or reaped).
bool has_exited(int pidfd) noexcept;

}  // namespace stopd::process
