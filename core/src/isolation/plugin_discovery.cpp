#include "plugin_discovery.hpp"

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "plugin_process.hpp"

namespace stopd::core {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kDescribeTimeout = 30s;
constexpr std::size_t kMaxOutputBytes = 1024 * 1024;

PluginHostAnswer run_describe(const fs::path& plugin_host, const std::vector<fs::path>& files) {
  PluginProcessSpec spec;
  spec.executable = plugin_host;
  spec.arguments.emplace_back("--describe");
  for (const auto& file : files) spec.arguments.push_back(file.string());
  return run_for_answer(std::move(spec), "", kDescribeTimeout, kMaxOutputBytes);
}

}  // namespace

std::map<fs::path, DescribedPlugin> describe_plugin_files(const fs::path& plugin_host,
                                                          const std::vector<fs::path>& files) {
  std::map<fs::path, DescribedPlugin> described;
  std::vector<fs::path> left = files;
  // All at once; if a library takes the process down, the ones after it are described again,
  // and a library that fails on its own is refused.
  while (!left.empty()) {
    const PluginHostAnswer run = run_describe(plugin_host, left);
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
