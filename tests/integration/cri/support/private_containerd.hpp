// A private containerd for the CRI tests and benchmarks, in a temporary directory of its own:
// config, root, state, sockets, CNI config and IP allocations all under it (see FACTS.md, "A real
// containerd for tests"). The test image (scripts/cri-test-image.sh) is imported at start, so
// nothing is ever pulled. Its bridge, subnet and pod cgroup parent are unique to the instance.
//
// Teardown removes every pod through the CRI, stops containerd, then sweeps up what containerd
// leaves outside the directory whatever its config says: shims, container processes, mounts, the
// bridge device, /var/lib/cni/results files, pod cgroups, shim sockets in /run/containerd/s.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "stopd/cri/cri_client.hpp"

namespace stopd::cri_test {

// The image the tests' pods and containers run (sandbox image included).
inline constexpr char kTestImage[] = "docker.io/stopd/cri-test:1";

class PrivateContainerd {
 public:
  // What this machine lacks to run one (not root, containerd/runc/ctr/CNI plugins missing, no
  // image tarball), or "" when nothing is missing.
  static std::string missing_requirements(const std::filesystem::path& image_tar);

  // Starts containerd and imports the image. Throws std::runtime_error with containerd's log when
  // it does not come up.
  explicit PrivateContainerd(const std::filesystem::path& image_tar);
  ~PrivateContainerd();  // teardown()
  PrivateContainerd(const PrivateContainerd&) = delete;
  PrivateContainerd& operator=(const PrivateContainerd&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::string endpoint() const { return "unix://" + socket().string(); }
  std::filesystem::path socket() const { return dir_ / "containerd.sock"; }
  const std::string& network_name() const { return network_; }
  const std::string& bridge() const { return bridge_; }
  const std::string& cgroup_parent() const { return cgroup_parent_; }
  // host-local's directory of IP files: <dataDir>/<network>/<ip>, one file per allocated IP.
  std::filesystem::path ip_allocation_dir() const { return dir_ / "ipam" / network_; }
  std::string log() const;

  // A client with default settings on this containerd.
  const cri::CriClient& client() const { return *client_; }

  // Stops and removes every pod sandbox (and with it every container), for a clean slate.
  void remove_all_pods();

  // Idempotent; never throws. Afterwards leftovers() should be empty.
  void teardown() noexcept;

  // What is still there that teardown should have removed; empty when clean.
  std::vector<std::string> leftovers() const;

 private:
  void write_config() const;
  void import_image(const std::filesystem::path& image_tar);
  void wait_until_serving();
  std::vector<std::filesystem::path> cni_results() const;

  std::filesystem::path dir_;
  std::string network_;
  std::string bridge_;
  std::string subnet_;
  std::string cgroup_parent_;
  pid_t pid_ = -1;
  std::set<std::string> shim_sockets_before_;
  std::set<std::string> sandbox_ids_;  // every sandbox remove_all_pods saw
  bool run_containerd_existed_ = false;
  std::unique_ptr<cri::CriClient> client_;
  bool torn_down_ = false;
};

}  // namespace stopd::cri_test
