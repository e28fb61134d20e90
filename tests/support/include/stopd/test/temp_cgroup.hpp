// A fresh cgroup directory for one test, on the cgroup v2 hierarchy or a cgroup v1 one (the
// `pids` controller by preference), removed again, with everything in it killed, when the test
// ends however it ends.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace stopd::test {

enum class CgroupVersion { v1, v2 };

class TempCgroup {
 public:
  // A new directory under the hierarchy's root; nullopt if this machine has no writable hierarchy
  // of that version (see STOPD_REQUIRE_OR_SKIP).
  static std::optional<TempCgroup> create(CgroupVersion version);

  TempCgroup(TempCgroup&& other) noexcept;
  TempCgroup& operator=(TempCgroup&& other) noexcept;  // destroys what this held
  TempCgroup(const TempCgroup&) = delete;
  TempCgroup& operator=(const TempCgroup&) = delete;
  ~TempCgroup();  // destroy()

  const std::string& path() const { return path_; }
  CgroupVersion version() const { return version_; }

  // Creates a child cgroup `name` and returns its path.
  std::string make_child(const std::string& name);

  // The pids in this cgroup and its descendants.
  std::vector<pid_t> pids() const;

  // SIGKILL everything inside, reap what is ours, wait until it is empty (bounded), remove the
  // directories. Idempotent.
  void destroy() noexcept;

 private:
  TempCgroup(std::string path, CgroupVersion version) : path_(std::move(path)), version_(version) {}

  std::string path_;
  CgroupVersion version_;
};

}  // namespace stopd::test
