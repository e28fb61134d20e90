#include "stopd/huaweicloud/secret.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace stopd::huaweicloud {
namespace {

constexpr long long kMaxSecretBytes = 64 * 1024;
const char* const kExpected = "expected a string, {\"env\": \"NAME\"} or {\"file\": \"/path\"}";

[[noreturn]] void fail(const std::string& key, const std::string& message) {
  throw std::invalid_argument(key + ": " + message);
}

void trim_trailing_newlines(std::string& text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
}

struct FileRead {
  std::string content;
  std::timespec mtime{};
  long long size = 0;
};

// Non-blocking open and regular files only, so a FIFO named by mistake cannot hang a stop.
FileRead read_secret_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    throw std::runtime_error("cannot read the file " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error("the file " + path + " is not a regular file");
  }
  if (st.st_size > kMaxSecretBytes) {
    ::close(fd);
    throw std::runtime_error("the file " + path + " is larger than 64 KiB");
  }
  FileRead read;
  read.mtime = st.st_mtim;
  read.size = st.st_size;
  read.content.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < read.content.size()) {
    const ssize_t n = ::read(fd, read.content.data() + done, read.content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  read.content.resize(done);
  trim_trailing_newlines(read.content);
  if (read.content.empty()) throw std::runtime_error("the file " + path + " is empty");
  return read;
}

std::string read_environment(const std::string& variable) {
  const char* value = std::getenv(variable.c_str());
  if (value == nullptr)
    throw std::runtime_error("the environment variable " + variable + " is not set");
  if (*value == '\0')
    throw std::runtime_error("the environment variable " + variable + " is empty");
  return value;
}

}  // namespace

Secret::Secret(const Secret& other) {
  *this = other;
}

Secret& Secret::operator=(const Secret& other) {
  if (this == &other) return *this;
  std::scoped_lock lock(mutex_, other.mutex_);
  kind_ = other.kind_;
  key_ = other.key_;
  source_ = other.source_;
  name_ = other.name_;
  cached_ = other.cached_;
  cached_mtime_ = other.cached_mtime_;
  cached_size_ = other.cached_size_;
  return *this;
}

Secret Secret::parse(const nlohmann::json& value, const std::string& key) {
  Secret secret;
  secret.key_ = key;
  if (value.is_string()) {
    if (value.get_ref<const std::string&>().empty()) fail(key, "the secret is empty");
    secret.kind_ = Kind::inline_value;
    secret.source_ = "inline";
    secret.cached_ = value.get<std::string>();
    return secret;
  }
  if (!value.is_object() || value.size() != 1 || !(value.contains("env") || value.contains("file")))
    fail(key, kExpected);
  const bool env = value.contains("env");
  const auto& name = env ? value["env"] : value["file"];
  if (!name.is_string() || name.get_ref<const std::string&>().empty())
    fail(key + (env ? ".env" : ".file"),
         env ? "expected the name of an environment variable" : "expected the path of a file");
  secret.name_ = name.get<std::string>();
  secret.kind_ = env ? Kind::environment : Kind::file;
  secret.source_ = (env ? "env " : "file ") + secret.name_;
  try {
    (void)secret.value();
  } catch (const std::runtime_error& e) {
    fail(key, e.what());
  }
  return secret;
}

std::string Secret::value() const {
  switch (kind_) {
    case Kind::none:
      throw std::runtime_error(key_ + ": no secret is configured");
    case Kind::inline_value:
      return cached_;
    case Kind::environment:
      return read_environment(name_);
    case Kind::file:
      return read_file_if_changed();
  }
  return {};
}

std::string Secret::read_file_if_changed() const {
  std::lock_guard lock(mutex_);
  struct stat st {};
  const bool unchanged = ::stat(name_.c_str(), &st) == 0 && cached_size_ == st.st_size &&
                         st.st_mtim.tv_sec == cached_mtime_.tv_sec &&
                         st.st_mtim.tv_nsec == cached_mtime_.tv_nsec;
  if (unchanged && !cached_.empty()) return cached_;
  FileRead read = read_secret_file(name_);
  cached_ = std::move(read.content);
  cached_mtime_ = read.mtime;
  cached_size_ = read.size;
  return cached_;
}

}  // namespace stopd::huaweicloud
