// Secrets named by the config: inline, from the environment, or from a file. Messages name the
// key and where the secret was to come from, never what it is.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "config_checks.hpp"

namespace stopd::core {
namespace {

namespace fs = std::filesystem;
using config_detail::fail;
using nlohmann::json;

constexpr std::size_t kMaxSecretBytes = 64 * 1024;

const char* const kExpected = "expected a string, {\"env\": \"NAME\"} or {\"file\": \"/path\"}";

const char* type_word(const json& value) {
  if (value.is_number()) return "a number";
  if (value.is_boolean()) return "a boolean";
  if (value.is_array()) return "an array";
  return "null";
}

void trim_trailing_newlines(std::string& text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
}

std::string from_environment(const json& name, const std::string& key) {
  if (!name.is_string() || name.get_ref<const std::string&>().empty())
    fail(key + ".env", "expected the name of an environment variable");
  const std::string& variable = name.get_ref<const std::string&>();
  const char* value = std::getenv(variable.c_str());
  if (value == nullptr) fail(key, "the environment variable " + variable + " is not set");
  std::string secret(value);
  if (secret.empty()) fail(key, "the environment variable " + variable + " is empty");
  return secret;
}

std::string from_file(const json& name, const std::string& key, const fs::path& base_dir) {
  if (!name.is_string() || name.get_ref<const std::string&>().empty())
    fail(key + ".file", "expected the path of a file");
  const fs::path file = config_detail::resolve_path(base_dir, name.get<std::string>());
  // Non-blocking, so that a FIFO cannot hang the daemon's start; only regular files are read.
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) fail(key, "cannot read the file " + file.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(key, "the file " + file.string() + " is not a regular file");
  }
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxSecretBytes) {
    ::close(fd);
    fail(key, "the file " + file.string() + " is larger than 64 KiB");
  }
  std::string secret(kMaxSecretBytes + 1, '\0');
  std::size_t done = 0;
  int error = 0;
  while (done < secret.size()) {
    const ssize_t n = ::read(fd, secret.data() + done, secret.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = errno;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  secret.resize(done);
  if (error != 0) {
    OPENSSL_cleanse(secret.data(), secret.size());
    fail(key, "cannot read the file " + file.string() + ": " + std::strerror(error));
  }
  if (done > kMaxSecretBytes) {  // it grew since fstat
    OPENSSL_cleanse(secret.data(), secret.size());
    fail(key, "the file " + file.string() + " is larger than 64 KiB");
  }
  trim_trailing_newlines(secret);
  if (secret.empty()) fail(key, "the file " + file.string() + " is empty");
  return secret;
}

}  // namespace

std::string resolve_secret(const json& value, const std::string& key, const fs::path& base_dir) {
  if (value.is_string()) {
    if (value.get_ref<const std::string&>().empty()) fail(key, "the secret is empty");
    return value.get<std::string>();
  }
  if (!value.is_object()) fail(key, std::string(kExpected) + ", got " + type_word(value));
  const bool env = value.contains("env");
  const bool file = value.contains("file");
  if (env && file) fail(key, "expected one of env or file, got both");
  if (!env && !file) {
    std::string keys;
    for (const auto& [name, _] : value.items()) keys += (keys.empty() ? "" : ", ") + name;
    fail(key, std::string(kExpected) +
                  (keys.empty() ? ", got an empty object" : ", got an object with " + keys));
  }
  if (value.size() != 1) {
    for (const auto& [name, _] : value.items())
      if (name != "env" && name != "file")
        fail(key, "unknown key '" + name + "' (expected env or file)");
  }
  return env ? from_environment(value["env"], key) : from_file(value["file"], key, base_dir);
}

}  // namespace stopd::core
