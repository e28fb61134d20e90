// Where a command's output goes: results and JSON to `out`, errors and notices to `err`. One
// mutex, because the signal watcher thread writes notices while the main thread may print.
//
// Every line is printed as core::printable() shows it: the targets, request ids, messages and
// process names in it come from callers and resources, and a control character in them must not
// reach the terminal (clear the screen, retitle the window) nor start a line of its own. JSON is
// printed exactly as it is (nlohmann's dump escapes control characters itself).
//
// On a terminal a command may also keep one live line (the progress of a job being waited for)
// that is redrawn in place; any other line written erases it first, so it never mixes with them.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "stopd/cli/render.hpp"

namespace stopd::cli {

// Which of the two streams are terminals (stdout, stderr of the process; false for anything
// else, such as the string streams of an in-process test).
struct Terminals {
  bool out = false;
  bool err = false;
};

class Console {
 public:
  enum class Stream { out, err };

  Console(std::ostream& out, std::ostream& err, OutputFormat format, Terminals terminals = {})
      : out_(out), err_(err), format_(format), terminals_(terminals) {}

  OutputFormat format() const { return format_; }
  bool json() const { return format_ == OutputFormat::json; }
  void set_format(OutputFormat format) { format_ = format; }
  const Terminals& terminals() const { return terminals_; }

  // One line (a newline is added) to stdout / stderr.
  void out(std::string_view line);
  void err(std::string_view line);
  // Text whose own newlines separate lines (an error listing a plan's problems, pretty JSON):
  // err() or out() for each of them.
  void err_lines(std::string_view text);
  void out_lines(std::string_view text);
  // One JSON object on one line to stdout.
  void out_json(const nlohmann::json& value);

  // Draws `line` as the live line on `stream`, replacing the previous one; cut to the terminal's
  // width so it never wraps. Does nothing unless `stream` is a terminal.
  void live(Stream stream, std::string_view line);
  // Erases the live line, if one is shown.
  void end_live();

 private:
  std::ostream& stream(Stream which) { return which == Stream::out ? out_ : err_; }
  void erase_live_locked();
  void write_line(Stream which, std::string_view line, bool escape);

  std::mutex mutex_;
  std::ostream& out_;
  std::ostream& err_;
  OutputFormat format_;
  Terminals terminals_;
  bool live_shown_ = false;
  Stream live_stream_ = Stream::err;
};

}  // namespace stopd::cli
