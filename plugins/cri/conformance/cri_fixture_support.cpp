#include "cri_fixture_support.hpp"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

namespace stopd::cri_conformance {
namespace {

namespace v1 = ::runtime::v1;

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

// Torn down at exit, after the last fixture; what teardown could not remove is printed, and the
// ctest registration fails the run on it (FAIL_REGULAR_EXPRESSION): a fixture cannot fail a test
// from an exit handler.
struct SharedContainerd {
  std::unique_ptr<cri_test::PrivateContainerd> containerd;
  std::string problem;

  SharedContainerd() {
    const std::string missing =
        cri_test::PrivateContainerd::missing_requirements(STOPD_CRI_TEST_IMAGE);
    if (!missing.empty()) {
      // The CRI integration tests' convention (stopd/test/requirement.hpp), worded alike: the
      // ctest registration turns "missing here" into a skip.
      problem =
          running_in_ci()
              ? "required under CI=true, but missing: a private containerd: " + missing
              : "missing here (it would fail under CI=true): a private containerd: " + missing;
      return;
    }
    try {
      containerd = std::make_unique<cri_test::PrivateContainerd>(STOPD_CRI_TEST_IMAGE);
    } catch (const std::exception& error) {
      problem = std::string("cannot start a private containerd: ") + error.what();
    }
  }

  ~SharedContainerd() {
    if (!containerd) return;
    containerd->teardown();
    for (const auto& left : containerd->leftovers())
      std::cerr << "containerd teardown left behind: " << left << "\n";
  }

  SharedContainerd(const SharedContainerd&) = delete;
  SharedContainerd& operator=(const SharedContainerd&) = delete;
};

}  // namespace

cri_test::PrivateContainerd& shared_containerd() {
  // Started once; a failure is kept, so the other tests fail at once with the same reason rather
  // than each trying again.
  static const SharedContainerd shared;
  if (!shared.containerd) throw std::runtime_error(shared.problem);
  return *shared.containerd;
}

nlohmann::json settings_for_shared_containerd() {
  return {{"endpoint", shared_containerd().endpoint()}};
}

Pods::~Pods() {
  if (pod_ids_.empty()) return;  // and perhaps no containerd, whose absence would throw here
  const auto& containerd = shared_containerd();
  // All at once: one by one, the eight pods of a concurrency rule took 3.6 s to remove.
  std::vector<std::thread> removals;
  for (const auto& id : pod_ids_) {
    removals.emplace_back([&containerd, &id] {
      // StopPodSandbox kills what still runs in it; RemovePodSandbox then removes its containers.
      v1::StopPodSandboxRequest stop;
      stop.set_pod_sandbox_id(id);
      v1::StopPodSandboxResponse stopped;
      const auto stop_status = containerd.client().call(stop, &stopped);
      v1::RemovePodSandboxRequest remove;
      remove.set_pod_sandbox_id(id);
      v1::RemovePodSandboxResponse removed;
      const auto remove_status = containerd.client().call(remove, &removed);
      // Not fatal (the containerd's teardown at exit removes every pod), but worth seeing.
      if (!stop_status.ok() || !remove_status.ok())
        std::cerr << "cri conformance fixture: cannot remove pod sandbox " + id + ": " +
                         (stop_status.ok() ? remove_status : stop_status).error_message() + "\n";
    });
  }
  for (auto& removal : removals) removal.join();
}

cri_test::Pod Pods::run(const std::string& name) {
  cri_test::Pod pod = cri_test::run_pod(shared_containerd(), name);
  pod_ids_.push_back(pod.id);
  return pod;
}

std::string Pods::start_container(const std::string& name,
                                  const std::vector<std::string>& command) {
  return cri_test::start_container(shared_containerd(), run(name), name, command);
}

std::string unknown_id() {
  return cri_test::unknown_id();
}

}  // namespace stopd::cri_conformance
