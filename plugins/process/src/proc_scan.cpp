#include "proc_scan.hpp"

#include <dirent.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

namespace stopd::process {

int list_pids(std::vector<pid_t>& out) noexcept {
  out.clear();
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir("/proc"), &::closedir);
  if (!dir) return errno;
  try {
    errno = 0;
    while (const dirent* entry = ::readdir(dir.get())) {
      const char* name = entry->d_name;
      const char* end = name + std::strlen(name);
      pid_t pid = 0;
      const auto [ptr, ec] = std::from_chars(name, end, pid);
      if (ec == std::errc() && ptr == end && pid > 0) out.push_back(pid);
    }
    if (errno != 0) return errno;
  } catch (...) {
    return ENOMEM;
  }
  return 0;
}

}  // namespace stopd::process
