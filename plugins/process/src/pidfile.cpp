#include "pidfile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>

#include "errors.hpp"
#include "stopd/sdk/outcome.hpp"
#include "unique_fd.hpp"

namespace stopd::process {
namespace {

// PID_MAX_LIMIT on 64-bit kernels.
constexpr pid_t kMaxPid = 4 * 1024 * 1024;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string quoted(std::string_view content) {
  std::string out = "\"";
  for (const char c : content.substr(0, 32)) {
    if (c == '\n')
      out += "\\n";
    else if (c == '"')
      out += "\\\"";
    else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      out += '?';
    else
      out += c;
  }
  if (content.size() > 32) out += "…";
  return out + "\"";
}

}  // namespace

pid_t parse_pidfile(std::string_view content, const std::string& path) {
  std::string_view text = content;
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  if (text.empty())
    throw sdk::StopError(sdk::Code::invalid_argument, "pidfile " + path + " is empty");
  pid_t pid = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, pid);
  const bool digits_only = text.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits_only || ec != std::errc() || ptr != end || pid < 1 || pid > kMaxPid)
    throw sdk::StopError(sdk::Code::invalid_argument,
                         "pidfile " + path +
                             " does not hold a pid (expected one decimal number between 1 and " +
                             std::to_string(kMaxPid) + ", found " + quoted(content) + ")");
  return pid;
}

pid_t read_pidfile(const std::string& path) {
  // O_NONBLOCK: a FIFO at that path must not block the caller's thread in open() or read().
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR)
      throw sdk::StopError(sdk::Code::not_found, "pidfile " + path + " does not exist");
    throw_errno(error, "cannot open pidfile " + path);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) throw_errno(errno, "cannot stat pidfile " + path);
  if (!S_ISREG(info.st_mode))
    throw sdk::StopError(sdk::Code::invalid_argument,
                         "target.pidfile: " + path + " is not a regular file");

  std::array<char, kMaxPidfileBytes + 1> buffer;
  std::size_t length = 0;
  while (length < buffer.size()) {
    const ssize_t n = ::read(fd.get(), buffer.data() + length, buffer.size() - length);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno(errno, "cannot read pidfile " + path);
    if (n == 0) break;
    length += static_cast<std::size_t>(n);
  }
  if (length > kMaxPidfileBytes)
    throw sdk::StopError(sdk::Code::invalid_argument, "pidfile " + path + " is larger than " +
                                                          std::to_string(kMaxPidfileBytes) +
                                                          " bytes; it is not a pidfile");
  return parse_pidfile(std::string_view(buffer.data(), length), path);
}

}  // namespace stopd::process
