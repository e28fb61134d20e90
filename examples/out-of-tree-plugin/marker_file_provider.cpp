// example.marker_file: a complete stopd plugin, built outside the stopd tree against the
// installed SDK.
//
// The resource is a marker ("run") file that a job creates while it runs, such as
// /run/stopd-example/nightly.run, optionally holding the job's pid on its first line. Stopping
// the resource means removing the file:
//   - no file                                   → already_stopped (stopping twice is success)
//   - graceful, the file names a live process   → wait, at most until the grace runs out, for the
//                                                  owner to exit or to remove the file itself,
//                                                  then remove what is left
//   - the grace ran out, or mode is immediate   → remove it now (`forced` if the owner still runs)
// Every path must be absolute and inside the configured `root` (after resolving `..` and
// symbolic links), so no request can make this plugin delete anything else.
//
// What it shows a plugin author:
//   - the STOPD_PLUGIN contract (sdk/plugin.hpp): kName, kVersion, kDescription, kConfigSchema and
//     a constructor taking the validated settings, each said once: info() holds only what the
//     host cannot know (schemas, drain), and overriding inspect() is what declares it;
//   - schemas in info(): the host validates requests against them before stop() runs;
//   - failures as StopError with a precise code, never as a success or a bare exception;
//   - a blocking stop() that keeps the host's schedule with sdk::Waiter (sdk/waiter.hpp).
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include "stopd/sdk.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using stopd::sdk::Code;
using stopd::sdk::StopError;
using stopd::sdk::StopOutcome;

constexpr char kDefaultRoot[] = "/run/stopd-example";
// How often a graceful stop looks at the owner again. The host's schedule changes wake it sooner.
constexpr std::chrono::milliseconds kPollInterval{50};

// The owner's pid, read from the marker's first line; nullopt when there is none.
std::optional<long> read_owner_pid(const fs::path& marker) {
  std::ifstream in(marker);
  long pid = 0;
  if (in >> pid && pid > 0) return pid;
  return std::nullopt;
}

// Whether the process exists and is not a zombie. (A production provider would also compare the
// process's start time with the marker's, so that a reused pid is not taken for the owner.)
bool process_running(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  const auto name_end = stat.rfind(')');  // the state follows the command name: "42 (sleep) S …"
  if (name_end == std::string::npos || name_end + 2 >= stat.size()) return true;
  const char state = stat[name_end + 2];
  return state != 'Z' && state != 'X';
}

// Maps a file-system error to the outcome code a caller can act on.
Code code_for(const std::error_code& error) {
  if (error == std::errc::permission_denied || error == std::errc::operation_not_permitted)
    return Code::permission_denied;
  if (error == std::errc::read_only_file_system || error == std::errc::device_or_resource_busy ||
      error == std::errc::is_a_directory)
    return Code::failed_precondition;
  return Code::internal;
}

// `path` is `dir` or lies below it (both absolute and normalized).
bool is_within(const fs::path& path, const fs::path& dir) {
  const fs::path relative = path.lexically_relative(dir);
  return !relative.empty() && *relative.begin() != "..";
}

// What is at the marker's path right now.
struct Marker {
  bool present = false;
  std::optional<long> owner_pid;

  bool owner_running() const { return owner_pid && process_running(*owner_pid); }

  json facts(const fs::path& path) const {
    json facts = {{"path", path.string()}, {"present", present}};
    if (owner_pid) {
      facts["owner_pid"] = *owner_pid;
      facts["owner_running"] = owner_running();
    }
    return facts;
  }
};

// Thread safety: the host runs many stop() calls at once on its worker threads. This provider
// keeps no mutable state, so it needs no locks.
class MarkerFileProvider final : public stopd::sdk::IStopProvider {
 public:
  // The STOPD_PLUGIN contract (see <stopd/sdk/plugin.hpp>).
  static constexpr char kName[] = "example.marker_file";
  static constexpr char kVersion[] = STOPD_EXAMPLE_VERSION;  // project(VERSION) in CMakeLists.txt
  static constexpr char kDescription[] =
      "Removes a job's marker (run) file. A graceful stop first waits, at most for the grace, for "
      "the process named on the file's first line to exit. Paths must lie inside settings.root.";
  // The operator's settings for this plugin; the host validates them before the constructor runs.
  static constexpr char kConfigSchema[] = R"({
    "type": "object",
    "properties": {
      "root": {
        "type": "string",
        "pattern": "^/.",
        "description": "an absolute directory (not /) holding the marker files; default /run/stopd-example"
      }
    },
    "additionalProperties": false
  })";

  explicit MarkerFileProvider(const stopd::sdk::ProviderConfig& config)
      : logger_(config.logger), root_(root_from(config.settings)) {
    logger_->log(stopd::sdk::LogLevel::debug, "marker files under " + root_.string());
  }

  stopd::sdk::ProviderInfo info() const override {
    stopd::sdk::ProviderInfo info;  // name, version, description and inspect: from STOPD_PLUGIN
    info.target_schema = json::parse(R"({
      "type": "object",
      "properties": {
        "path": {
          "type": "string",
          "pattern": "^/",
          "description": "an absolute path of a marker file inside settings.root"
        }
      },
      "required": ["path"],
      "additionalProperties": false
    })");
    info.options_schema = json::parse(R"({
      "type": "object",
      "properties": {
        "wait_for_owner": {
          "type": "boolean",
          "default": true,
          "description": "true: a graceful stop first waits, at most the grace, for the file's owner to exit"
        }
      },
      "additionalProperties": false
    })");
    info.capabilities.drain = true;  // an unbounded grace waits until the owner exits
    info.default_concurrency = 64;
    return info;
  }

  stopd::sdk::StopOutcome stop(const stopd::sdk::StopRequest& request,
                               stopd::sdk::StopContext& context) override {
    const fs::path path = resolve(request.target);
    Marker marker = look(path);
    if (!marker.present)
      return StopOutcome::make(Code::already_stopped, "no marker file at " + path.string(),
                               marker.facts(path));

    const bool wait_for_owner =
        request.options.is_object() && request.options.value("wait_for_owner", true);
    if (request.mode == stopd::sdk::Mode::graceful && wait_for_owner && marker.owner_running()) {
      context.progress("waiting_for_owner", marker.facts(path));
      stopd::sdk::Waiter waiter(context);
      while (true) {
        const auto wake = waiter.wait_for(kPollInterval);
        if (wake == stopd::sdk::Waiter::Wake::cancelled)
          return StopOutcome::make(Code::cancelled,
                                   "cancelled while waiting for the owner of " + path.string());
        marker = look(path);
        if (!marker.present)
          return StopOutcome::make(Code::stopped, "the owner removed " + path.string(),
                                   marker.facts(path));
        if (!marker.owner_running()) break;  // the owner is gone and left its marker behind
        if (wake == stopd::sdk::Waiter::Wake::deadline)
          return StopOutcome::make(Code::deadline_exceeded,
                                   "the owner of " + path.string() + " still runs",
                                   marker.facts(path));
        if (wake == stopd::sdk::Waiter::Wake::force) {
          context.log(stopd::sdk::LogLevel::info,
                      "grace over; removing " + path.string() + " while its owner still runs");
          break;
        }
      }
    }
    return remove_marker(path, marker);
  }

  stopd::sdk::Inspection inspect(const json& target) override {
    const fs::path path = resolve(target);
    const Marker marker = look(path);
    stopd::sdk::Inspection inspection;
    inspection.facts = marker.facts(path);
    if (!marker.present) {
      inspection.state = stopd::sdk::Inspection::State::stopped;
      inspection.summary = "no marker file at " + path.string();
    } else {
      inspection.state = stopd::sdk::Inspection::State::running;
      inspection.summary = "marker file " + path.string();
      if (marker.owner_pid)
        inspection.summary += ", owner pid " + std::to_string(*marker.owner_pid) +
                              (marker.owner_running() ? " running" : " gone");
    }
    return inspection;
  }

 private:
  // The marker a target names, normalized and checked to lie inside root_. The directories on
  // the way are resolved (so a symbolic link cannot lead out of root_); the marker itself is not
  // followed: removing a link removes the link.
  fs::path resolve(const json& target) const {
    if (!target.is_object() || !target.contains("path") || !target["path"].is_string())
      throw StopError(Code::invalid_argument, "target.path: expected a string");
    const fs::path requested(target["path"].get<std::string>());
    if (!requested.is_absolute())
      throw StopError(Code::invalid_argument,
                      "target.path must be absolute, got '" + requested.string() + "'");
    const fs::path path = requested.lexically_normal();
    if (!path.has_filename() || !is_within(path.parent_path(), root_))
      throw StopError(Code::invalid_argument, "target.path '" + requested.string() +
                                                  "' is not a file inside " + root_.string());
    std::error_code error;
    const fs::path real_dir = fs::weakly_canonical(path.parent_path(), error);
    const fs::path real_root = error ? fs::path() : fs::weakly_canonical(root_, error);
    if (error)
      throw StopError(code_for(error), "cannot resolve " + path.string() + ": " + error.message());
    if (!is_within(real_dir, real_root))
      throw StopError(Code::invalid_argument, "target.path '" + requested.string() +
                                                  "' leads outside " + root_.string() +
                                                  " through a symbolic link");
    return path;
  }

  // settings.root, normalized. The schema already ensures it is absolute; the constructor still
  // refuses what it cannot work with, since the host then refuses the plugin with this message.
  static fs::path root_from(const json& settings) {
    fs::path root = fs::path(settings.value("root", std::string(kDefaultRoot))).lexically_normal();
    if (!root.is_absolute()) throw std::invalid_argument("settings.root must be an absolute path");
    if (!root.has_filename()) root = root.parent_path();  // "/run/x/" → "/run/x"
    if (root == root.root_path()) throw std::invalid_argument("settings.root must not be '/'");
    return root;
  }

  static Marker look(const fs::path& path) {
    std::error_code error;
    const fs::file_status status = fs::symlink_status(path, error);
    if (error == std::errc::no_such_file_or_directory || error == std::errc::not_a_directory ||
        (!error && status.type() == fs::file_type::not_found))
      return Marker{};
    if (error)
      throw StopError(code_for(error), "cannot read " + path.string() + ": " + error.message());
    if (status.type() == fs::file_type::directory)
      throw StopError(Code::failed_precondition,
                      path.string() + " is a directory, not a marker file");
    return Marker{true, read_owner_pid(path)};
  }

  static StopOutcome remove_marker(const fs::path& path, const Marker& marker) {
    const bool owner_running = marker.owner_running();
    // unlink(2), unlike std::filesystem::remove, never removes a directory.
    if (::unlink(path.c_str()) != 0) {
      const std::error_code error(errno, std::generic_category());
      if (error == std::errc::no_such_file_or_directory)  // its owner just removed it
        return StopOutcome::make(Code::stopped, path.string() + " was removed meanwhile",
                                 Marker{}.facts(path));
      throw StopError(code_for(error), "cannot remove " + path.string() + ": " + error.message());
    }
    json facts = marker.facts(path);
    facts["present"] = false;
    StopOutcome outcome = StopOutcome::make(Code::stopped, "removed " + path.string(), facts);
    outcome.forced = owner_running;
    return outcome;
  }

  std::shared_ptr<stopd::sdk::Logger> logger_;
  fs::path root_;
};

}  // namespace

STOPD_PLUGIN(MarkerFileProvider)
