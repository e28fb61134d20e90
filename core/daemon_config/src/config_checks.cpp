#include "config_checks.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace stopd::core::config_detail {

namespace fs = std::filesystem;

void fail(const std::string& key, const std::string& why) {
  throw ConfigError(key + ": " + why);
}

fs::path resolve_path(const fs::path& base_dir, const std::string& text) {
  fs::path path(text);
  return path.is_absolute() || base_dir.empty() ? path : base_dir / path;
}

unsigned port_of(const std::string& address, const std::string& key) {
  const auto colon = address.rfind(':');
  const std::string digits = colon == std::string::npos ? address : address.substr(colon + 1);
  unsigned long port = 0;
  try {
    port = std::stoul(digits);
  } catch (const std::exception&) {
    fail(key, "expected HOST:PORT, got \"" + address + "\"");
  }
  if (port > 65535) fail(key, "port " + digits + " is out of range (0 to 65535)");
  return static_cast<unsigned>(port);
}

void require_parent_directory(const fs::path& file, const std::string& key) {
  const fs::path parent = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::error_code ec;
  const auto status = fs::status(parent, ec);
  if (!fs::exists(status)) fail(key, "the directory " + parent.string() + " does not exist");
  if (!fs::is_directory(status)) fail(key, parent.string() + " is not a directory");
}

void require_pem_file(const fs::path& file, const std::string& key) {
  constexpr off_t kMaxBytes = 1024 * 1024;
  // Non-blocking, so that a FIFO in the config cannot hang the daemon's start.
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) fail(key, "cannot read " + file.string() + ": " + std::strerror(errno));
  struct stat st {};
  std::string text;
  const bool is_regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (is_regular && st.st_size <= kMaxBytes) {
    text.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::read(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    text.resize(done);
  }
  const int read_errno = errno;
  ::close(fd);
  const bool complete = text.size() == static_cast<std::size_t>(st.st_size);
  const bool is_pem = text.find("-----BEGIN ") != std::string::npos;
  OPENSSL_cleanse(text.data(), text.size());  // perhaps a private key
  if (!is_regular) fail(key, file.string() + " is not a regular file");
  if (st.st_size > kMaxBytes) fail(key, file.string() + " is larger than 1 MiB");
  if (!complete) fail(key, "cannot read " + file.string() + ": " + std::strerror(read_errno));
  if (!is_pem) fail(key, file.string() + " is not a PEM file (it has no \"-----BEGIN\" line)");
}

std::string octal_mode(unsigned mode) {
  std::string text(4, '0');
  for (std::size_t i = 4; i-- > 0; mode >>= 3) text[i] = static_cast<char>('0' + (mode & 7u));
  return text;
}

}  // namespace stopd::core::config_detail
