// A credential named by the plugin's settings: inline, {"env": "NAME"} or {"file": "/path"}.
// The host hands plugin settings over unresolved, so the plugin resolves them itself, the same
// three spellings the daemon config accepts. A file is re-read when it changes, so a token that
// an external tool rotates (IAM tokens live 24 h) is picked up without a restart.
#pragma once

#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace stopd::huaweicloud {

class Secret {
 public:
  Secret() = default;

  // Resolves once, so a missing variable or unreadable file is reported at configuration time.
  // Throws std::invalid_argument naming `key` and where the secret was to come from, never the
  // secret itself.
  static Secret parse(const nlohmann::json& value, const std::string& key);

  // The current value. Throws std::runtime_error (naming the source) if a file became unreadable.
  std::string value() const;

  // "inline", "env HW_TOKEN" or "file /etc/stopd/token": safe to show anywhere.
  const std::string& source() const { return source_; }

  bool empty() const { return kind_ == Kind::none; }

  Secret(const Secret& other);
  Secret& operator=(const Secret& other);

 private:
  enum class Kind { none, inline_value, environment, file };

  std::string read_file_if_changed() const;

  Kind kind_ = Kind::none;
  std::string key_;
  std::string source_;
  std::string name_;  // the variable's name or the file's path
  mutable std::mutex mutex_;
  mutable std::string cached_;
  mutable std::timespec cached_mtime_{};
  mutable long long cached_size_ = -1;
};

}  // namespace stopd::huaweicloud
