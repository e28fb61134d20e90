#include "cri_pods.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace stopd::cri_test {
namespace {

using namespace std::chrono_literals;

namespace fs = std::filesystem;

std::atomic<int> names{0};

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string unique(const std::string& name) {
  return name + "-" + std::to_string(names.fetch_add(1));
}

void check(const grpc::Status& status, const std::string& call) {
  if (!status.ok())
    throw std::runtime_error(call + " failed: " + std::to_string(status.error_code()) + " " +
                             status.error_message());
}

}  // namespace

std::vector<std::string> exits_on_sigterm() {
  return {"/pause"};
}
std::vector<std::string> ignores_sigterm() {
  // SIGTERM ignored before exec: the disposition survives exec, so only a kill ends the sleep.
  return {"/bin/sh", "-c", "trap '' TERM; echo ready; exec sleep 3600"};
}

Pod run_pod(const PrivateContainerd& containerd, const std::string& name, const Labels& labels,
            const std::string& pod_namespace) {
  Pod pod;
  auto& config = pod.config;
  const std::string pod_name = unique(name);
  config.mutable_metadata()->set_name(pod_name);
  config.mutable_metadata()->set_namespace_(pod_namespace);
  config.mutable_metadata()->set_uid(pod_name + "-uid");
  config.set_hostname(pod_name.substr(0, 63));
  config.set_log_directory((containerd.dir() / "logs" / pod_name).string());
  for (const auto& [key, value] : labels) (*config.mutable_labels())[key] = value;
  auto& linux_config = *config.mutable_linux();
  // Every pod's cgroups under one parent per containerd, so teardown finds them all.
  linux_config.set_cgroup_parent(containerd.cgroup_parent());
  auto& namespaces = *linux_config.mutable_security_context()->mutable_namespace_options();
  namespaces.set_network(v1::POD);
  namespaces.set_pid(v1::CONTAINER);
  namespaces.set_ipc(v1::POD);

  v1::RunPodSandboxRequest request;
  *request.mutable_config() = config;
  v1::RunPodSandboxResponse response;
  check(containerd.client().call(request, &response), "RunPodSandbox " + pod_name);
  pod.id = response.pod_sandbox_id();
  return pod;
}

std::string start_container(const PrivateContainerd& containerd, const Pod& pod,
                            const std::string& name, const std::vector<std::string>& command,
                            const Labels& labels) {
  v1::CreateContainerRequest create;
  create.set_pod_sandbox_id(pod.id);
  *create.mutable_sandbox_config() = pod.config;
  auto& config = *create.mutable_config();
  config.mutable_metadata()->set_name(name);
  config.mutable_image()->set_image(kTestImage);
  for (const auto& part : command) config.add_command(part);
  for (const auto& [key, value] : labels) (*config.mutable_labels())[key] = value;
  config.set_log_path(name + ".log");
  v1::CreateContainerResponse created;
  check(containerd.client().call(create, &created), "CreateContainer " + name);

  v1::StartContainerRequest start;
  start.set_container_id(created.container_id());
  v1::StartContainerResponse started;
  check(containerd.client().call(start, &started), "StartContainer " + name);

  // RUNNING only means the process exists: a SIGTERM before it set up its handling would test the
  // race, not the stop. Both test commands log "ready" once they have.
  const auto log = fs::path(pod.config.log_directory()) / config.log_path();
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (read_text(log).find("ready") == std::string::npos) {
    if (std::chrono::steady_clock::now() >= until)
      throw std::runtime_error("container " + name + " did not log 'ready' within 10 s (" +
                               log.string() + ")");
    std::this_thread::sleep_for(5ms);
  }
  if (container_status(containerd, created.container_id()).state() != v1::CONTAINER_RUNNING)
    throw std::runtime_error("container " + name + " is ready but not RUNNING");
  return created.container_id();
}

std::string create_container(const PrivateContainerd& containerd, const Pod& pod,
                             const std::string& name, const std::vector<std::string>& command) {
  v1::CreateContainerRequest create;
  create.set_pod_sandbox_id(pod.id);
  *create.mutable_sandbox_config() = pod.config;
  auto& config = *create.mutable_config();
  config.mutable_metadata()->set_name(name);
  config.mutable_image()->set_image(kTestImage);
  for (const auto& part : command) config.add_command(part);
  // Not named after the container: a test may give it a name no file should carry.
  config.set_log_path("created-" + std::to_string(names.fetch_add(1)) + ".log");
  v1::CreateContainerResponse created;
  check(containerd.client().call(create, &created), "CreateContainer " + name);
  return created.container_id();
}

v1::ContainerStatus container_status(const PrivateContainerd& containerd, const std::string& id) {
  v1::ContainerStatusRequest request;
  request.set_container_id(id);
  v1::ContainerStatusResponse response;
  check(containerd.client().call(request, &response), "ContainerStatus " + id);
  return response.status();
}

v1::PodSandboxStatus sandbox_status(const PrivateContainerd& containerd, const std::string& id) {
  v1::PodSandboxStatusRequest request;
  request.set_pod_sandbox_id(id);
  v1::PodSandboxStatusResponse response;
  check(containerd.client().call(request, &response), "PodSandboxStatus " + id);
  return response.status();
}

std::string unknown_id() {
  static const char digits[] = "0123456789abcdef";
  std::mt19937_64 random{std::random_device{}()};
  std::string id;
  for (int i = 0; i < 64; ++i) id += digits[random() % 16];
  return id;
}

}  // namespace stopd::cri_test
