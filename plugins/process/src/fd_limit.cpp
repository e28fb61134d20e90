#include "fd_limit.hpp"

#include <sys/resource.h>

#include <mutex>

namespace stopd::process {

void raise_open_file_limit() noexcept {
  static std::once_flag once;
  try {
    std::call_once(once, [] {
      rlimit limit{};
      if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
      limit.rlim_cur = limit.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &limit);
    });
  } catch (...) {
    // call_once reports failures to create its internal state as exceptions; the limit is an
    // optimisation, and EMFILE is still reported as `unavailable` if it bites.
  }
}

}  // namespace stopd::process
