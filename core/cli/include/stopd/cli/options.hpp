// What the command line asked for, once CLI11 has parsed it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "stopd/cli/render.hpp"

namespace stopd::cli {

// Options of `stopctl` itself, accepted before or after the subcommand.
struct GlobalOptions {
  bool local = false;
  std::optional<std::string> config_file;
  std::optional<std::string> log_level;
  OutputFormat output = OutputFormat::human;
};

struct StopArguments {
  std::string type;
  std::vector<std::string> target;  // KEY=VALUE / KEY:=JSON
  std::optional<std::string> grace;
  bool immediate = false;
  std::optional<std::string> deadline;
  std::vector<std::string> options;  // KEY=VALUE / KEY:=JSON
  bool dry_run = false;
};

struct DescribeArguments {
  std::string name;
};

}  // namespace stopd::cli
