// The conformance fixture of example.marker_file: the resources the suite stops are marker files
// in a directory of its own (the plugin's settings.root), made fresh for each test.
//   running:  a marker with no owner, so a graceful stop removes it at once
//   stubborn: a marker owned by a process that never exits (the suite itself), so only force
//             (the grace running out) removes it
//   stopped:  a marker path with no file
//   missing:  none: to this plugin a missing marker is a stopped one (already_stopped)
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "stopd/conformance.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class MarkerFiles final : public stopd::conformance::Fixture {
 public:
  MarkerFiles() {
    std::string pattern = (fs::temp_directory_path() / "stopd-marker-conformance.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = pattern;
  }
  ~MarkerFiles() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  json settings() override { return {{"root", root_.string()}}; }
  json make_running() override { return marker(""); }
  std::optional<json> make_stubborn() override { return marker(std::to_string(::getpid())); }
  json make_stopped() override { return target(root_ / ("never-made-" + next())); }
  std::optional<json> make_missing() override { return std::nullopt; }
  std::optional<bool> is_running(const json& target) override {
    return fs::exists(target.at("path").get<std::string>());
  }

 private:
  json marker(const std::string& owner_pid) {
    const fs::path path = root_ / (next() + ".run");
    std::ofstream(path) << owner_pid << "\n";
    return target(path);
  }
  static json target(const fs::path& path) { return {{"path", path.string()}}; }
  std::string next() { return std::to_string(++made_); }

  fs::path root_;
  int made_ = 0;
};

}  // namespace

STOPD_CONFORMANCE_FIXTURE(MarkerFiles)
