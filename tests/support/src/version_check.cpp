#include "stopd/test/version_check.hpp"

#include <cstdio>
#include <optional>
#include <regex>
#include <sstream>
#include <vector>

#include "stopd/sdk/version.hpp"

namespace stopd::test {
namespace {

// What `command` (a shell command line) writes to stdout; nullopt when it did not exit 0.
std::optional<std::string> stdout_of(const std::string& command) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  char buffer[256] = {};
  std::string out;
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  if (::pclose(pipe) != 0) return std::nullopt;
  return out;
}

// `git rev-parse --short=12 HEAD` of the source tree; "" when git cannot tell.
std::string source_commit() {
  auto out = stdout_of(std::string("git -C '") + STOPD_SOURCE_DIR +
                       "' rev-parse --short=12 HEAD 2>/dev/null");
  if (!out) return {};
  while (!out->empty() && (out->back() == '\n' || out->back() == '\r')) out->pop_back();
  return *out;
}

}  // namespace

std::string version_problem(const std::string& output, const std::string& program) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (lines.size() != 4) return "expected 4 lines, got " + std::to_string(lines.size());
  if (!std::regex_match(lines[0], std::regex(program + R"( \d+\.\d+\.\d+)")))
    return "line 1: expected '" + program + " X.Y.Z', got '" + lines[0] + "'";
  const std::string commit = source_commit();
  if (!commit.empty() ? lines[1] != "commit " + commit
                      : !std::regex_match(lines[1], std::regex("commit ([0-9a-f]{12}|unknown)")))
    return "line 2: expected 'commit " + (commit.empty() ? "<12 hex digits>" : commit) +
           "', got '" + lines[1] + "'";
  const std::string abi =
      "sdk abi " + std::to_string(sdk::kAbiMajor) + "." + std::to_string(sdk::kAbiMinor);
  if (lines[2] != abi) return "line 3: expected '" + abi + "', got '" + lines[2] + "'";
  const std::string toolchain = "toolchain " STOPD_SDK_TOOLCHAIN_TAG " (";
  if (!lines[3].starts_with(toolchain))
    return "line 4: expected '" + toolchain + "…', got '" + lines[3] + "'";
  return {};
}

std::string version_output(const std::string& executable) {
  return stdout_of("'" + executable + "' --version").value_or("(it did not exit 0)");
}

}  // namespace stopd::test
