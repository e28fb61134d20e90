// What the cri.container and cri.pod_sandbox conformance fixtures share: one private containerd
// per suite process (tests/integration/cri/support, the CRI integration tests' harness), and the
// pods a fixture made, removed when the fixture goes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/cri_pods.hpp"
#include "support/private_containerd.hpp"

namespace stopd::cri_conformance {

// The process's containerd, started on first use and torn down when the process exits: the suite
// makes a fresh fixture for each of its tests, and a containerd each would cost seconds apiece.
// Throws std::runtime_error when there is none: the requirements it lacks, with "missing here"
// on a developer's machine (ctest then reports the test skipped) and "required under CI=true" in
// CI (a failure); or why it did not start (always a failure).
cri_test::PrivateContainerd& shared_containerd();

// The plugin settings that point a CRI provider at shared_containerd().
nlohmann::json settings_for_shared_containerd();

// Pods made for one fixture; the destructor stops and removes them (and so their containers).
class Pods {
 public:
  Pods() = default;
  ~Pods();
  Pods(const Pods&) = delete;
  Pods& operator=(const Pods&) = delete;

  // A READY pod sandbox of its own, removed with this object.
  cri_test::Pod run(const std::string& name);
  // A container in a pod of its own (one pod per container: containerd 1.6.20's shim serialises
  // kills within one pod, which the concurrency rules would measure instead of the provider).
  std::string start_container(const std::string& name, const std::vector<std::string>& command);

 private:
  std::vector<std::string> pod_ids_;
};

// A 64-hex-digit id no runtime has.
std::string unknown_id();

}  // namespace stopd::cri_conformance
