#include "cgroup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <memory>

#include "errors.hpp"
#include "stopd/sdk/outcome.hpp"
#include "unique_fd.hpp"

namespace stopd::process {
namespace {

// Deeper trees than this are not cgroup hierarchies anyone delegates; the bound keeps a rescan's
// cost finite whatever is under the target.
constexpr int kMaxDepth = 32;

int read_all(int fd, std::string& out) {
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return 0;
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

void parse_pids(std::string_view text, std::vector<pid_t>& out) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto line = text.substr(0, end);
    pid_t pid = 0;
    const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
    if (ec == std::errc() && ptr == line.data() + line.size() && pid > 0) out.push_back(pid);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

// ENOENT anywhere below means a cgroup was removed while we walked: it has no processes.
int collect(int dir_fd, int depth, std::vector<pid_t>& out) {
  {
    UniqueFd procs(::openat(dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC));
    if (!procs) return errno == ENOENT ? 0 : errno;
    std::string text;
    if (const int error = read_all(procs.get(), text)) return error == ENODEV ? 0 : error;
    parse_pids(text, out);
  }
  if (depth >= kMaxDepth) return 0;

  const int dup_fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup_fd < 0) return errno == ENOENT ? 0 : errno;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(dup_fd), &::closedir);
  if (!dir) {
    const int error = errno;
    ::close(dup_fd);
    return error;
  }
  while (const dirent* entry = ::readdir(dir.get())) {
    if (entry->d_type != DT_DIR) continue;
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    UniqueFd child(::openat(dirfd(dir.get()), entry->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!child) {
      if (errno == ENOENT) continue;
      return errno;
    }
    if (const int error = collect(child.get(), depth + 1, out)) return error;
  }
  return 0;
}

}  // namespace

CgroupDir open_cgroup_dir(const std::string& path, std::string_view field) {
  const std::string name(field);
  if (path.empty() || path.front() != '/')
    throw sdk::StopError(sdk::Code::invalid_argument,
                         name + ": \"" + path + "\" is not an absolute path");
  CgroupDir dir;
  dir.path = std::filesystem::path(path).lexically_normal().string();
  if (dir.path.size() > 1 && dir.path.back() == '/') dir.path.pop_back();

  struct stat info {};
  if (::stat(dir.path.c_str(), &info) != 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR)
      throw sdk::StopError(sdk::Code::not_found, "cgroup " + dir.path + " does not exist");
    throw_errno(error, "cannot stat cgroup " + dir.path);
  }
  if (!S_ISDIR(info.st_mode))
    throw sdk::StopError(sdk::Code::invalid_argument,
                         name + ": " + dir.path + " is not a directory");

  struct statfs fs {};
  if (::statfs(dir.path.c_str(), &fs) != 0) throw_errno(errno, "cannot statfs cgroup " + dir.path);
  if (fs.f_type == CGROUP2_SUPER_MAGIC) {
    dir.version = CgroupVersion::v2;
  } else if (fs.f_type == CGROUP_SUPER_MAGIC) {
    dir.version = CgroupVersion::v1;
  } else {
    throw sdk::StopError(sdk::Code::invalid_argument,
                         name + ": " + dir.path + " is not on a cgroup filesystem");
  }
  if (::access((dir.path + "/cgroup.procs").c_str(), F_OK) != 0)
    throw sdk::StopError(
        sdk::Code::invalid_argument,
        name + ": " + dir.path + " has no cgroup.procs; it is not a cgroup directory");
  return dir;
}

int read_cgroup_pids(const std::string& path, std::vector<pid_t>& out) noexcept {
  out.clear();
  try {
    UniqueFd root(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root) return errno == ENOENT ? 0 : errno;
    if (const int error = collect(root.get(), 0, out)) return error;
    // cgroup v1 documents that cgroup.procs may repeat a TGID, and a process that moves between
    // two directories of the subtree during the walk is seen twice.
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  } catch (...) {
    return ENOMEM;
  }
  return 0;
}

int write_cgroup_kill(const std::string& path) noexcept {
  try {
    UniqueFd fd(::open((path + "/cgroup.kill").c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return errno;
    ssize_t n = 0;
    do n = ::write(fd.get(), "1", 1);
    while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : (n < 0 ? errno : EIO);
  } catch (...) {
    return ENOMEM;
  }
}

}  // namespace stopd::process
