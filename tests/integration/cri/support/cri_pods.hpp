// Pods and containers for the CRI tests, made through the CRI itself (RunPodSandbox,
// CreateContainer, StartContainer) on a PrivateContainerd, from the test image: /pause exits 0 on
// SIGTERM; a sleep that ignores SIGTERM is only ended by the runtime's kill.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "private_containerd.hpp"

namespace stopd::cri_test {

namespace v1 = ::runtime::v1;

using Labels = std::map<std::string, std::string>;

// The container commands the tests need.
// Both log "ready" once their SIGTERM handling is in place; start_container waits for it.
std::vector<std::string> exits_on_sigterm();  // /pause
std::vector<std::string> ignores_sigterm();   // sh: trap '' TERM; echo ready; exec sleep 3600

struct Pod {
  std::string id;
  v1::PodSandboxConfig config;  // CreateContainer wants it again
};

// A READY sandbox (namespace "stopd-test" unless given) with a unique name starting with `name`.
// Throws std::runtime_error naming the call that failed.
Pod run_pod(const PrivateContainerd& containerd, const std::string& name, const Labels& labels = {},
            const std::string& pod_namespace = "stopd-test");

// A container in `pod`, started, RUNNING and ready (see above). Throws std::runtime_error.
std::string start_container(const PrivateContainerd& containerd, const Pod& pod,
                            const std::string& name, const std::vector<std::string>& command,
                            const Labels& labels = {});

// A container in `pod`, created but never started (CREATED). Throws std::runtime_error.
std::string create_container(const PrivateContainerd& containerd, const Pod& pod,
                             const std::string& name, const std::vector<std::string>& command);

// Statuses; throw std::runtime_error when the call fails.
v1::ContainerStatus container_status(const PrivateContainerd& containerd, const std::string& id);
v1::PodSandboxStatus sandbox_status(const PrivateContainerd& containerd, const std::string& id);

// A container id that no runtime has: 64 hex digits.
std::string unknown_id();

}  // namespace stopd::cri_test
