// Real files and environment variables for the daemon's unit tests, cleaned up afterwards.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "stopd/core/host_config.hpp"

namespace stopd::test {

// A fresh directory under the system's temp directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "stopd-daemon-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const auto file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
    return file;
  }
  // A file that passes the config's PEM check (the daemon, not the config, parses certificates).
  std::filesystem::path write_pem(const std::string& name) const {
    return write(name, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  }

 private:
  std::filesystem::path path_;
};

// Sets (or unsets) an environment variable for the scope; the name is made unique per process.
class ScopedEnv {
 public:
  ScopedEnv(const std::string& stem, std::optional<std::string> value)
      : name_(stem + "_" + std::to_string(::getpid())) {
    if (value)
      ::setenv(name_.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  ~ScopedEnv() { ::unsetenv(name_.c_str()); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// The message of the ConfigError `call` throws, or "<valid>".
template <class Call>
std::string config_error(Call&& call) {
  try {
    call();
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "<valid>";
}

}  // namespace stopd::test
