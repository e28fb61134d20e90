// Where a command's output goes: results and JSON to `out`, errors and notices to `err`. One
// mutex, because the signal watcher thread writes notices while the main thread may print.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string_view>

#include "stopd/cli/render.hpp"

namespace stopd::cli {

class Console {
 public:
  Console(std::ostream& out, std::ostream& err, OutputFormat format)
      : out_(out), err_(err), format_(format) {}

  OutputFormat format() const { return format_; }
  bool json() const { return format_ == OutputFormat::json; }
  void set_format(OutputFormat format) { format_ = format; }

  // One line (a newline is added) to stdout / stderr.
  void out(std::string_view line);
  void err(std::string_view line);
  // One JSON object on one line to stdout.
  void out_json(const nlohmann::json& value);

 private:
  std::mutex mutex_;
  std::ostream& out_;
  std::ostream& err_;
  OutputFormat format_;
};

}  // namespace stopd::cli
