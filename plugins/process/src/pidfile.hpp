// Pidfiles: a daemon's own record of its pid. Read with a bound (a pidfile is a few bytes; anything
// larger is not one) and parsed strictly (one decimal pid, optionally surrounded by whitespace), so
// a wrong path never turns into a signal to some arbitrary number.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace stopd::process {

inline constexpr std::size_t kMaxPidfileBytes = 128;

// The pid, or throws StopError: not_found (no such file), invalid_argument (not a regular file,
// too large, not a pid), permission_denied, internal.
pid_t read_pidfile(const std::string& path);

// The pid in `content`, or throws StopError(invalid_argument) naming `path`.
pid_t parse_pidfile(std::string_view content, const std::string& path);

}  // namespace stopd::process
