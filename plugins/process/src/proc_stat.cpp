#include "proc_stat.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>

#include "unique_fd.hpp"

namespace stopd::process {
namespace {

// include/linux/sched.h; not exported to user space headers.
constexpr std::uint64_t kPfKthread = 0x00200000;

template <class T>
bool parse_number(std::string_view text, T& out) {
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

std::string_view next_field(std::string_view& rest) {
  const auto begin = rest.find_first_not_of(' ');
  if (begin == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(begin);
  const auto end = rest.find(' ');
  const auto field = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  return field;
}

// Reads a small /proc file in one go; /proc files of one process are generated per read call.
int read_small_file(const char* path, char* buffer, std::size_t size, std::size_t& length) {
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return errno;
  ssize_t n = 0;
  do n = ::read(fd.get(), buffer, size);
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno;
  length = static_cast<std::size_t>(n);
  return 0;
}

}  // namespace

bool ProcStat::is_kernel_thread() const {
  return (flags & kPfKthread) != 0;
}

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  // "pid (comm) state ppid …": comm may itself contain spaces and parentheses, so it ends at the
  // last ')'.
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return std::nullopt;
  ProcStat stat;
  auto pid_text = text.substr(0, open);
  while (!pid_text.empty() && pid_text.back() == ' ') pid_text.remove_suffix(1);
  if (!parse_number(pid_text, stat.pid)) return std::nullopt;
  stat.comm = std::string(text.substr(open + 1, close - open - 1));

  std::string_view rest = text.substr(close + 1);
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == ' ')) rest.remove_suffix(1);
  // Fields 3 (state) to 22 (starttime), numbered as in proc(5).
  std::array<std::string_view, 20> fields;
  for (auto& field : fields) {
    field = next_field(rest);
    if (field.empty()) return std::nullopt;
  }
  if (fields[0].size() != 1) return std::nullopt;
  stat.state = fields[0][0];
  if (!parse_number(fields[1], stat.ppid) || !parse_number(fields[2], stat.pgrp) ||
      !parse_number(fields[3], stat.session) || !parse_number(fields[6], stat.flags) ||
      !parse_number(fields[19], stat.start_time))
    return std::nullopt;
  return stat;
}

int read_proc_stat(pid_t pid, ProcStat& out) noexcept {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  // Fields up to starttime fit in a few hundred bytes even with a kworker's 64-byte comm.
  std::array<char, 2048> buffer;
  std::size_t length = 0;
  if (const int error = read_small_file(path, buffer.data(), buffer.size(), length)) return error;
  try {
    auto parsed = parse_proc_stat(std::string_view(buffer.data(), length));
    if (!parsed) return EIO;
    out = std::move(*parsed);
  } catch (...) {
    return ENOMEM;
  }
  return 0;
}

pid_t read_thread_group(pid_t tid) noexcept {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/status", tid);
  std::array<char, 4096> buffer;
  std::size_t length = 0;
  if (read_small_file(path, buffer.data(), buffer.size(), length) != 0) return 0;
  const std::string_view text(buffer.data(), length);
  constexpr std::string_view key = "\nTgid:";
  const auto at = text.find(key);
  if (at == std::string_view::npos) return 0;
  std::string_view rest = text.substr(at + key.size());
  rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
  rest = rest.substr(0, rest.find('\n'));
  pid_t tgid = 0;
  return parse_number(rest, tgid) ? tgid : 0;
}

}  // namespace stopd::process
