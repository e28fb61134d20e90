#include "plugin_discovery.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "plugin_process.hpp"

namespace stopd::core {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kDescribeTimeout = 30s;
constexpr std::size_t kMaxOutputBytes = 1024 * 1024;

struct Run {
  std::string output;
  std::string ended;  // "exit 0", "SIGSEGV", "timed out", …
};

Run run_describe(const fs::path& plugin_host, const std::vector<fs::path>& files) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  PluginProcessSpec spec;
  spec.executable = plugin_host;
  spec.arguments.emplace_back("--describe");
  for (const auto& file : files) spec.arguments.push_back(file.string());
  spec.stdout_fd = pipe_fds[1];
  std::unique_ptr<PluginProcess> process;
  try {
    process = std::make_unique<PluginProcess>(spec);
  } catch (...) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    throw;
  }
  close(pipe_fds[1]);
  Run run;
  const auto until = Clock::now() + kDescribeTimeout;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    pollfd fd{pipe_fds[0], POLLIN, 0};
    if (left <= 0ms || poll(&fd, 1, static_cast<int>(left.count())) == 0) {
      process->kill();
      run.ended = "did not finish within 30 s";
      break;
    }
    const ssize_t got = read(pipe_fds[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (run.output.size() < kMaxOutputBytes)
      run.output.append(buffer, static_cast<std::size_t>(got));
  }
  close(pipe_fds[0]);
  const std::string how = process->wait();
  if (run.ended.empty()) run.ended = how;
  return run;
}

}  // namespace

std::map<fs::path, DescribedPlugin> describe_plugin_files(const fs::path& plugin_host,
                                                          const std::vector<fs::path>& files) {
  std::map<fs::path, DescribedPlugin> described;
  std::vector<fs::path> left = files;
  // All at once; if a library takes the process down, the ones after it are described again,
  // and a library that fails on its own is refused.
  while (!left.empty()) {
    const Run run = run_describe(plugin_host, left);
    std::istringstream lines(run.output);
    std::string line;
    while (std::getline(lines, line)) {
      const auto parsed = nlohmann::json::parse(line, nullptr, false);
      if (!parsed.is_object() || !parsed.contains("file")) continue;
      DescribedPlugin entry;
      entry.type = parsed.value("type", "");
      entry.refusal = parsed.value("refusal", "");
      described[fs::path(parsed["file"].get<std::string>())] = entry;
    }
    std::vector<fs::path> missing;
    for (const auto& file : left)
      if (!described.contains(file)) missing.push_back(file);
    if (missing.empty()) break;
    // The first one not described is the one it died on.
    described[missing.front()] =
        DescribedPlugin{"", "loading it ended stopd-plugin-host --describe (" + run.ended + ")"};
    missing.erase(missing.begin());
    left = std::move(missing);
  }
  return described;
}

}  // namespace stopd::core
