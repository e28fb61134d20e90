#include "stopd/test/temp_cgroup.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "stopd/test/process_probe.hpp"

namespace stopd::test {
namespace {

// The mount point of the hierarchy: cgroup2, or a cgroup v1 one (pids preferred).
std::optional<std::string> hierarchy_root(CgroupVersion version) {
  std::ifstream mounts("/proc/self/mounts");
  std::string line;
  std::optional<std::string> fallback;
  while (std::getline(mounts, line)) {
    std::istringstream fields(line);
    std::string device, mount_point, type, options;
    fields >> device >> mount_point >> type >> options;
    if (version == CgroupVersion::v2 && type == "cgroup2") return mount_point;
    if (version == CgroupVersion::v1 && type == "cgroup") {
      std::istringstream list(options);
      std::string option;
      while (std::getline(list, option, ','))
        if (option == "pids") return mount_point;
      if (!fallback && options.find("name=") == std::string::npos) fallback = mount_point;
    }
  }
  return fallback;
}

void collect_dirs(const std::string& path, std::vector<std::string>& out) {
  out.push_back(path);
  if (DIR* dir = ::opendir(path.c_str())) {
    while (const dirent* entry = ::readdir(dir)) {
      const std::string name = entry->d_name;
      if (entry->d_type == DT_DIR && name != "." && name != "..")
        collect_dirs(path + "/" + name, out);
    }
    ::closedir(dir);
  }
}

std::atomic<int> g_counter{0};

}  // namespace

std::optional<TempCgroup> TempCgroup::create(CgroupVersion version) {
  const auto root = hierarchy_root(version);
  if (!root) return std::nullopt;
  const std::string path =
      *root + "/stopd-test-" + std::to_string(::getpid()) + "-" + std::to_string(g_counter++);
  if (::mkdir(path.c_str(), 0755) != 0) return std::nullopt;
  return TempCgroup(path, version);
}

TempCgroup::TempCgroup(TempCgroup&& other) noexcept
    : path_(std::exchange(other.path_, std::string())), version_(other.version_) {}

TempCgroup& TempCgroup::operator=(TempCgroup&& other) noexcept {
  if (this != &other) {
    destroy();
    path_ = std::exchange(other.path_, std::string());
    version_ = other.version_;
  }
  return *this;
}

TempCgroup::~TempCgroup() {
  destroy();
}

std::string TempCgroup::make_child(const std::string& name) {
  const std::string child = path_ + "/" + name;
  if (::mkdir(child.c_str(), 0755) != 0 && errno != EEXIST)
    throw std::runtime_error("mkdir " + child);
  return child;
}

std::vector<pid_t> TempCgroup::pids() const {
  std::vector<pid_t> pids;
  std::vector<std::string> dirs;
  collect_dirs(path_, dirs);
  for (const auto& dir : dirs) {
    std::ifstream procs(dir + "/cgroup.procs");
    pid_t pid = 0;
    while (procs >> pid) pids.push_back(pid);
  }
  return pids;
}

void TempCgroup::destroy() noexcept {
  if (path_.empty()) return;
  try {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
      auto inside = pids();
      // A test that moved itself in and failed to move out must not kill itself here.
      std::erase(inside, ::getpid());
      if (inside.empty()) break;
      // Test cleanup: the pids were just read from a cgroup only this test uses.
      for (const pid_t pid : inside) ::kill(pid, SIGKILL);
      reap_exited_children();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::vector<std::string> dirs;
    collect_dirs(path_, dirs);
    // Children before parents.
    std::sort(dirs.begin(), dirs.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const auto& dir : dirs) {
      for (int attempt = 0; attempt < 200 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY;
           ++attempt) {
        reap_exited_children();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  } catch (...) {
  }
  path_.clear();
}

}  // namespace stopd::test
