#include "stopd/core/bounded_read.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace stopd::core {

std::string byte_size_text(std::size_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= (1u << 10) && bytes % (1u << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

std::string read_fd_bounded(int fd, std::string_view name, std::size_t limit) {
  std::string text;
  std::size_t done = 0;
  for (;;) {
    // Grows as the data arrives, so a small file costs a small buffer whatever the limit.
    if (done == text.size())
      text.resize(std::min(limit + 1, std::max<std::size_t>(4096, done * 2)));
    const ssize_t n = ::read(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw FileReadError(std::string(name) + ": cannot read it: " + std::strerror(errno));
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
    if (done > limit)
      throw FileReadError(std::string(name) + ": larger than " + byte_size_text(limit) +
                          " (the limit)");
  }
  text.resize(done);
  return text;
}

std::string read_file_bounded(const std::filesystem::path& file, std::size_t limit) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FileReadError(file.string() + ": cannot read it: " + std::strerror(errno));
  try {
    std::string text = read_fd_bounded(fd, file.string(), limit);
    ::close(fd);
    return text;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

}  // namespace stopd::core
