// Each stop in flight holds one pidfd per process; 10,000 concurrent stops need more descriptors
// than the usual soft limit of 1024.
#pragma once

namespace stopd::process {

// Raises this process's soft RLIMIT_NOFILE to its hard limit, once per process. Best effort.
void raise_open_file_limit() noexcept;

}  // namespace stopd::process
