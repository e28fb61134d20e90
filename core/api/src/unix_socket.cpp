#include "unix_socket.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "stopd/api/daemon.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::api {
namespace {

namespace fs = std::filesystem;
using core::StartupError;

std::string errno_text(int error) {
  return std::strerror(error);
}

// Connects to `path`: 0 when something accepts, else the errno of connect().
int try_connect(const fs::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string text = path.string();
  std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
  int result = 0;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0)
    result = errno;
  ::close(fd);
  return result;
}

}  // namespace

void prepare_unix_socket(const fs::path& path) {
  const std::string text = path.string();
  const std::string key = "config.listen.unix_socket: ";
  if (text.size() >= sizeof(sockaddr_un::sun_path))
    throw StartupError(core::exit_code::config,
                       key + text + " is " + std::to_string(text.size()) +
                           " bytes long; a unix socket path must be shorter than " +
                           std::to_string(sizeof(sockaddr_un::sun_path)));
  const fs::path directory = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  struct stat info {};
  if (::stat(directory.c_str(), &info) != 0) {
    const int error = errno;
    throw StartupError(core::exit_code::config,
                       key + "the directory " + directory.string() +
                           (error == ENOENT ? " does not exist (create it first, e.g. install "
                                              "-d -m 0750 " +
                                                  directory.string() + ")"
                                            : ": " + errno_text(error)));
  }
  if (!S_ISDIR(info.st_mode))
    throw StartupError(core::exit_code::config, key + directory.string() + " is not a directory");

  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return;
    throw StartupError(1, key + "cannot inspect " + text + ": " + errno_text(errno));
  }
  if (!S_ISSOCK(info.st_mode))
    throw StartupError(core::exit_code::config,
                       key + text + " exists and is not a socket; refusing to replace it");
  const int error = try_connect(path);
  if (error == 0)
    throw StartupError(1, key + "another process (a running stopd?) is accepting connections on " +
                              text + "; stop it first or choose another socket");
  if (error != ECONNREFUSED && error != ENOENT)
    throw StartupError(
        1, key + "cannot tell whether " + text + " is in use (connect: " + errno_text(error) + ")");
  // Nothing listens: the file is left over from a daemon that did not shut down cleanly.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    throw StartupError(1,
                       key + "cannot remove the stale socket " + text + ": " + errno_text(errno));
  core::host_logger()->info("removed the stale socket {} (nothing was listening on it)", text);
}

StagedSocket stage_unix_socket(const fs::path& path) {
  fs::path staging = path;
  staging += ".starting-" + std::to_string(::getpid());
  if (staging.native().size() >= sizeof(sockaddr_un::sun_path)) return StagedSocket{path};
  return StagedSocket{staging};
}

void publish_unix_socket(const StagedSocket& staged, const fs::path& path) {
  if (staged.bind_path == path) return;
  if (::renameat2(AT_FDCWD, staged.bind_path.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) ==
      0)
    return;
  const int error = errno;
  if (error == EEXIST)
    throw StartupError(1, "config.listen.unix_socket: " + path.string() +
                              " appeared while this daemon started (another stopd?); not "
                              "replacing it");
  // A filesystem without RENAME_NOREPLACE: prepare_unix_socket() checked the path just before.
  if ((error == EINVAL || error == ENOSYS) && ::rename(staged.bind_path.c_str(), path.c_str()) == 0)
    return;
  throw StartupError(1, "config.listen.unix_socket: cannot move the socket into place at " +
                            path.string() + ": " + errno_text(error));
}

void set_socket_mode(const fs::path& path, unsigned mode) {
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0)
    throw StartupError(
        1, "config.listen.socket_mode: cannot chmod " + path.string() + ": " + errno_text(errno));
}

}  // namespace stopd::api
