#include "stopd/cli/console.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include "stopd/core/logging.hpp"

namespace stopd::cli {
namespace {

// Carriage return, then erase to the end of the line (ANSI EL).
constexpr std::string_view kEraseLine = "\r\033[K";

std::size_t terminal_width(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

// The start of `line` that fits in `columns` columns, counting UTF-8 code points (printable():
// no escape sequences; wide characters are rare enough in targets to be counted as one column).
std::string_view fit(std::string_view line, std::size_t columns) {
  std::size_t shown = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (++shown > columns) return line.substr(0, i);
  }
  return line;
}

template <class Print>
void for_each_line(std::string_view text, Print print) {
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string_view::npos; start = end + 1)
    print(text.substr(start, end - start));
  print(text.substr(start));
}

}  // namespace

void Console::erase_live_locked() {
  if (!live_shown_) return;
  stream(live_stream_) << kEraseLine;
  stream(live_stream_).flush();
  live_shown_ = false;
}

void Console::write_line(Stream which, std::string_view line, bool escape) {
  std::lock_guard lock(mutex_);
  erase_live_locked();
  std::ostream& to = stream(which);
  if (escape && !core::is_printable(line))
    to << core::printable(line) << '\n';
  else
    to << line << '\n';
  to.flush();
}

void Console::out(std::string_view line) {
  write_line(Stream::out, line, true);
}

void Console::err(std::string_view line) {
  write_line(Stream::err, line, true);
}

void Console::out_lines(std::string_view text) {
  for_each_line(text, [this](std::string_view line) { out(line); });
}

void Console::err_lines(std::string_view text) {
  for_each_line(text, [this](std::string_view line) { err(line); });
}

void Console::out_json(const nlohmann::json& value) {
  write_line(Stream::out, json_text(value), false);
}

void Console::live(Stream which, std::string_view line) {
  if (!(which == Stream::out ? terminals_.out : terminals_.err)) return;
  std::lock_guard lock(mutex_);
  if (live_shown_ && live_stream_ != which) erase_live_locked();
  const std::size_t width = terminal_width(which == Stream::out ? STDOUT_FILENO : STDERR_FILENO);
  // One column short of the width: a line that fills it exactly wraps on some terminals.
  const std::string shown = core::printable(line);
  stream(which) << kEraseLine << fit(shown, width > 1 ? width - 1 : width);
  stream(which).flush();
  live_shown_ = true;
  live_stream_ = which;
}

void Console::end_live() {
  std::lock_guard lock(mutex_);
  erase_live_locked();
}

}  // namespace stopd::cli
