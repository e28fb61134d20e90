#include "pidfd.hpp"

#include <poll.h>
// glibc 2.36's <sys/pidfd.h> lacks __BEGIN_DECLS, so C++ would mangle the names (fixed in 2.37).
extern "C" {
#include <sys/pidfd.h>
}

#include <cerrno>

namespace stopd::process {

int open_pidfd(pid_t pid, UniqueFd& out) noexcept {
  const int fd = ::pidfd_open(pid, 0);
  if (fd < 0) return errno;
  out.reset(fd);
  return 0;
}

int send_signal(int pidfd, int signal) noexcept {
  if (::pidfd_send_signal(pidfd, signal, nullptr, 0) == 0) return 0;
  return errno;
}

bool has_exited(int pidfd) noexcept {
  pollfd p{pidfd, POLLIN, 0};
  int n = 0;
  do n = ::poll(&p, 1, 0);
  while (n < 0 && errno == EINTR);
  return n > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

}  // namespace stopd::process
