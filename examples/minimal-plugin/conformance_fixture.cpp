// The conformance fixture of example.lock_file: lock files in a directory of its own. A lock file
// has no graceful path to refuse (no stubborn resource), and a missing one is a stopped one.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <stopd/conformance.hpp>
#include <string>

namespace fs = std::filesystem;

class LockFiles final : public stopd::conformance::Fixture {
 public:
  LockFiles() {
    std::string dir = (fs::temp_directory_path() / "stopd-lock-conformance.XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir;
  }
  ~LockFiles() override { fs::remove_all(dir_); }

  nlohmann::json make_running() override {
    const fs::path lock = next();
    std::ofstream{lock} << "held\n";
    return {{"path", lock.string()}};
  }
  std::optional<nlohmann::json> make_stubborn() override { return std::nullopt; }
  nlohmann::json make_stopped() override { return {{"path", next().string()}}; }
  std::optional<nlohmann::json> make_missing() override { return std::nullopt; }

 private:
  fs::path next() { return dir_ / (std::to_string(++made_) + ".lock"); }

  fs::path dir_;
  int made_ = 0;
};

STOPD_CONFORMANCE_FIXTURE(LockFiles)
