#include "private_containerd.hpp"

#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "command.hpp"

namespace stopd::cri_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kCniResultsDir[] = "/var/lib/cni/results";
constexpr char kRunContainerd[] = "/run/containerd";
constexpr char kShimSocketDir[] = "/run/containerd/s";

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

std::set<std::string> entries_of(const fs::path& dir) {
  std::set<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) names.insert(entry.path().string());
  return names;
}

// Pids (not this process) whose command line mentions `needle`: containerd and its shims, which
// are all started with the private socket's path.
std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> pids;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == getpid()) continue;
    std::string cmdline = read_text(entry.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    const std::string state = read_text(entry.path() / "stat");
    const auto close = state.rfind(')');
    if (close != std::string::npos && close + 2 < state.size() && state[close + 2] == 'Z') continue;
    if (cmdline.find(needle) != std::string::npos) pids.push_back(pid);
  }
  return pids;
}

// Mount points at or below `dir`, deepest first.
std::vector<std::string> mounts_under(const fs::path& dir) {
  std::vector<std::string> mounts;
  std::istringstream lines(read_text("/proc/self/mountinfo"));
  std::string line;
  const std::string prefix = dir.string();
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point;
    fields >> id >> parent >> device >> root >> mount_point;
    if (mount_point == prefix || mount_point.starts_with(prefix + "/"))
      mounts.push_back(mount_point);
  }
  std::sort(mounts.begin(), mounts.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return mounts;
}

// The pod cgroup parent's directory in every mounted hierarchy (v1 controllers, v2) that has it.
std::vector<fs::path> cgroup_dirs(const std::string& parent) {
  std::vector<fs::path> dirs;
  std::error_code error;
  const std::string relative = parent.substr(1);
  if (fs::exists(fs::path("/sys/fs/cgroup") / relative / "cgroup.procs", error))
    dirs.push_back(fs::path("/sys/fs/cgroup") / relative);
  for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup", error)) {
    const fs::path candidate = hierarchy.path() / relative;
    if (fs::is_directory(candidate, error) && fs::exists(candidate / "cgroup.procs", error))
      dirs.push_back(candidate);
  }
  return dirs;
}

std::vector<pid_t> pids_in_cgroups(const std::vector<fs::path>& roots) {
  std::vector<pid_t> pids;
  for (const auto& root : roots) {
    std::vector<fs::path> all = {root};
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(root, error);
         it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (error) break;
      if (it->is_directory(error)) all.push_back(it->path());
    }
    for (const auto& dir : all) {
      std::istringstream procs(read_text(dir / "cgroup.procs"));
      pid_t pid = 0;
      while (procs >> pid) pids.push_back(pid);
    }
  }
  return pids;
}

// cgroupfs directories can only be rmdir'ed, deepest first, once empty.
void remove_cgroup_tree(const fs::path& root) {
  std::vector<fs::path> dirs = {root};
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(root, error);
       it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) break;
    if (it->is_directory(error)) dirs.push_back(it->path());
  }
  std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
    return a.string().size() > b.string().size();
  });
  for (const auto& dir : dirs) rmdir(dir.c_str());
}

// A shim's socket accepts connections while the shim runs. Shims of every containerd share
// /run/containerd/s, so only dead sockets are ever ours to remove.
bool socket_is_live(const fs::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string text = path.string();
  if (text.size() >= sizeof address.sun_path) {
    close(fd);
    return false;
  }
  std::copy(text.begin(), text.end(), address.sun_path);
  const bool live = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return live;
}

bool alive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  const std::string state = read_text("/proc/" + std::to_string(pid) + "/stat");
  const auto close = state.rfind(')');
  return close == std::string::npos || close + 2 >= state.size() || state[close + 2] != 'Z';
}

// SIGKILL, then reap whatever of it is our child (the test process may be a subreaper) and wait
// until the kernel has let go of it.
void kill_and_wait(const std::vector<pid_t>& pids) {
  for (const pid_t pid : pids) kill(pid, SIGKILL);
  const auto until = std::chrono::steady_clock::now() + 10s;
  for (const pid_t pid : pids) {
    while (std::chrono::steady_clock::now() < until) {
      waitpid(pid, nullptr, WNOHANG);
      if (!alive(pid)) break;
      std::this_thread::sleep_for(5ms);
    }
  }
}

std::atomic<int> instances{0};

}  // namespace

std::string PrivateContainerd::missing_requirements(const fs::path& image_tar) {
  std::vector<std::string> missing;
  if (geteuid() != 0) missing.push_back("root (containerd, runc and CNI need it)");
  for (const char* program : {"containerd", "containerd-shim-runc-v2", "runc", "ctr", "ip"})
    if (find_program(program).empty()) missing.push_back(std::string(program) + " in PATH");
  for (const char* plugin : {"bridge", "host-local", "loopback"})
    if (access((std::string("/usr/lib/cni/") + plugin).c_str(), X_OK) != 0)
      missing.push_back(std::string("/usr/lib/cni/") + plugin);
  if (!fs::exists(image_tar))
    missing.push_back("the test image " + image_tar.string() + " (scripts/cri-test-image.sh)");
  std::string text;
  for (const auto& item : missing) text += (text.empty() ? "" : ", ") + item;
  if (!text.empty())
    text += " (scripts/install-deps.sh installs containerd, runc, containernetworking-plugins)";
  return text;
}

PrivateContainerd::PrivateContainerd(const fs::path& image_tar) {
  const int instance = instances.fetch_add(1);
  const auto unique = std::to_string(getpid()) + "-" + std::to_string(instance);
  char dir_template[] = "/tmp/scri-XXXXXX";  // short: unix socket paths are limited to 108 bytes
  if (mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = dir_template;
  network_ = "stopd-cri-" + unique;
  bridge_ = ("scri" + std::to_string(getpid() % 100000) + "x" + std::to_string(instance % 100))
                .substr(0, 15);
  subnet_ =
      "10." + std::to_string(200 + instance % 50) + "." + std::to_string(getpid() % 250) + ".0/24";
  cgroup_parent_ = "/stopd-cri-" + unique;
  std::error_code error;
  run_containerd_existed_ = fs::exists(kRunContainerd, error);
  shim_sockets_before_ = entries_of(kShimSocketDir);
  try {
    write_config();
    pid_ = start_background({"containerd", "--config", (dir_ / "config.toml").string()},
                            dir_ / "containerd.log");
    wait_until_serving();
    import_image(image_tar);
  } catch (...) {
    teardown();
    throw;
  }
}

PrivateContainerd::~PrivateContainerd() {
  teardown();
}

std::string PrivateContainerd::log() const {
  return read_text(dir_ / "containerd.log");
}

void PrivateContainerd::write_config() const {
  const std::string d = dir_.string();
  std::ostringstream config;
  config << "version = 2\n"
         << "root = \"" << d << "/root\"\n"
         << "state = \"" << d << "/state\"\n"
         << "disabled_plugins = [\"io.containerd.snapshotter.v1.aufs\", "
            "\"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.zfs\", "
            "\"io.containerd.snapshotter.v1.devmapper\"]\n"
         << "[grpc]\n  address = \"" << socket().string() << "\"\n  tcp_address = \"\"\n"
         << "[ttrpc]\n  address = \"" << d << "/containerd.sock.ttrpc\"\n"
         << "[debug]\n  address = \"\"\n"
         << "[metrics]\n  address = \"\"\n"
         << "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" << d << "/opt\"\n"
         << "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
         << "  sandbox_image = \"" << kTestImage
         << "\"\n"
         // Required here: without CAP_SYS_RESOURCE, RunPodSandbox fails in runc otherwise.
         << "  restrict_oom_score_adj = true\n"
         << "  netns_mounts_under_state_dir = true\n"
         << "  stream_server_address = \"127.0.0.1\"\n"
         << "  stream_server_port = \"0\"\n"
         << "  systemd_cgroup = false\n"
         << "  [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
         << "    snapshotter = \"overlayfs\"\n"
         << "    default_runtime_name = \"runc\"\n"
         << "    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
         << "      runtime_type = \"io.containerd.runc.v2\"\n"
         << "      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
         << "        SystemdCgroup = false\n"
         << "        Root = \"" << d << "/runc\"\n"
         << "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
         << "    bin_dir = \"/usr/lib/cni\"\n"
         << "    conf_dir = \"" << d << "/cni/net.d\"\n"
         << "    max_conf_num = 1\n";
  write_text(dir_ / "config.toml", config.str());

  // No gateway and no masquerading: no iptables rules or sysctls to undo. Nothing is ever sent to
  // these addresses; they exist so the tests can watch host-local allocate and release them.
  std::ostringstream cni;
  cni << R"({"cniVersion": "0.4.0", "name": ")" << network_ << R"(", "plugins": [)"
      << R"({"type": "bridge", "bridge": ")" << bridge_
      << R"(", "isGateway": false, "ipMasq": false, "ipam": {"type": "host-local", "dataDir": ")"
      << d << R"(/ipam", "ranges": [[{"subnet": ")" << subnet_ << R"("}]]}}]})";
  write_text(dir_ / "cni" / "net.d" / "10-stopd-test.conflist", cni.str());
}

void PrivateContainerd::wait_until_serving() {
  // Generous: teardown's StopPodSandbox on a loaded machine must not give up half-way.
  client_ = std::make_unique<cri::CriClient>(cri::CriSettings{endpoint(), 60s, 30s});
  const auto until = std::chrono::steady_clock::now() + 30s;
  std::string last_error;
  while (std::chrono::steady_clock::now() < until) {
    if (!alive(pid_)) {
      waitpid(pid_, nullptr, WNOHANG);
      throw std::runtime_error("containerd exited during startup; its log:\n" + log());
    }
    cri::v1::VersionRequest request;
    cri::v1::VersionResponse response;
    if (fs::exists(socket())) {
      const auto status = client_->call(request, &response);
      if (status.ok()) return;
      last_error = status.error_message();
    }
    std::this_thread::sleep_for(50ms);
  }
  throw std::runtime_error("containerd did not serve the CRI within 30 s (" + last_error +
                           "); its log:\n" + log());
}

void PrivateContainerd::import_image(const fs::path& image_tar) {
  const auto result = run_command(
      {"ctr", "-a", socket().string(), "-n", "k8s.io", "images", "import", image_tar.string()},
      60s);
  if (result.exit_code != 0)
    throw std::runtime_error("ctr images import " + image_tar.string() + " failed (exit " +
                             std::to_string(result.exit_code) + "): " + result.output);
}

void PrivateContainerd::remove_all_pods() {
  cri::v1::ListPodSandboxRequest list;
  cri::v1::ListPodSandboxResponse pods;
  if (!client_->call(list, &pods).ok()) return;
  for (const auto& pod : pods.items()) {
    sandbox_ids_.insert(pod.id());
    cri::v1::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(pod.id());
    cri::v1::StopPodSandboxResponse stopped;
    (void)client_->call(stop, &stopped);
    cri::v1::RemovePodSandboxRequest remove;
    remove.set_pod_sandbox_id(pod.id());
    cri::v1::RemovePodSandboxResponse removed;
    (void)client_->call(remove, &removed);
  }
}

void PrivateContainerd::teardown() noexcept {
  if (torn_down_) return;
  torn_down_ = true;
  try {
    // The clean way first: the runtime removes its shims, mounts, netns and CNI state itself.
    if (pid_ > 0 && alive(pid_) && client_) remove_all_pods();
    client_.reset();
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      if (!wait_child(pid_, 10s)) {
        kill(pid_, SIGKILL);
        wait_child(pid_, 10s);
      }
    }
    // Then the sweep, for whatever a failed test or a crash left.
    const auto cgroups = cgroup_dirs(cgroup_parent_);
    kill_and_wait(pids_in_cgroups(cgroups));
    kill_and_wait(processes_mentioning(dir_.string()));
    for (const auto& mount_point : mounts_under(dir_)) umount2(mount_point.c_str(), MNT_DETACH);
    std::error_code error;
    fs::remove_all(dir_, error);
    if (fs::exists("/sys/class/net/" + bridge_, error))
      run_command({"ip", "link", "delete", bridge_}, 10s);
    for (const auto& file : cni_results()) fs::remove(file, error);
    for (const auto& dir : cgroups) remove_cgroup_tree(dir);
    for (const auto& socket_file : entries_of(kShimSocketDir))
      if (!shim_sockets_before_.contains(socket_file) && !socket_is_live(socket_file))
        fs::remove(socket_file, error);
    if (!run_containerd_existed_) {
      fs::remove(kShimSocketDir, error);  // only if empty
      fs::remove(kRunContainerd, error);
    }
  } catch (...) {
    // Teardown must not throw from a destructor; leftovers() tells what remained.
  }
}

std::vector<fs::path> PrivateContainerd::cni_results() const {
  // <network>-<sandbox id>-<interface>: ours by network name, and containerd's own loopback
  // network ("cni-loopback") by the ids of the sandboxes this containerd ran.
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(kCniResultsDir, error)) {
    const std::string name = entry.path().filename().string();
    bool ours = name.starts_with(network_ + "-");
    for (const auto& id : sandbox_ids_) ours = ours || name.find(id) != std::string::npos;
    if (ours) files.push_back(entry.path());
  }
  return files;
}

std::vector<std::string> PrivateContainerd::leftovers() const {
  std::vector<std::string> found;
  if (pid_ > 0 && alive(pid_))
    found.push_back("containerd (pid " + std::to_string(pid_) + ") runs");
  for (const pid_t pid : processes_mentioning(dir_.string()))
    found.push_back("process " + std::to_string(pid) + " (" +
                    read_text("/proc/" + std::to_string(pid) + "/comm") + ") mentions " +
                    dir_.string());
  for (const auto& mount_point : mounts_under(dir_)) found.push_back("mount " + mount_point);
  std::error_code error;
  if (fs::exists(dir_, error)) found.push_back("directory " + dir_.string());
  if (fs::exists("/sys/class/net/" + bridge_, error)) found.push_back("bridge " + bridge_);
  for (const auto& file : cni_results()) found.push_back("CNI result " + file.string());
  for (const auto& dir : cgroup_dirs(cgroup_parent_)) found.push_back("cgroup " + dir.string());
  for (const auto& socket_file : entries_of(kShimSocketDir))
    if (!shim_sockets_before_.contains(socket_file) && !socket_is_live(socket_file))
      found.push_back("shim socket " + socket_file);
  return found;
}

}  // namespace stopd::cri_test
