// Helpers of the daemon config's sections: errors that name the key, paths, addresses, files.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "stopd/daemon_config/daemon_config.hpp"

namespace stopd::core::config_detail {

// Throws ConfigError("<key>: <why>").
[[noreturn]] void fail(const std::string& key, const std::string& why);

// `text` as a path: absolute as is, relative to base_dir otherwise.
std::filesystem::path resolve_path(const std::filesystem::path& base_dir, const std::string& text);

// The port of "host:port" or "[v6]:port" (the schema has checked the shape); ConfigError naming
// `key` when it is above 65535.
unsigned port_of(const std::string& address, const std::string& key);

// The directory that will hold `file` exists and is a directory.
void require_parent_directory(const std::filesystem::path& file, const std::string& key);

// `file` is a readable regular file of at most 1 MiB holding a PEM block. The content (perhaps a
// private key) never appears in a message.
void require_pem_file(const std::filesystem::path& file, const std::string& key);

// "0660"
std::string octal_mode(unsigned mode);

// The sections; each throws ConfigError naming the key.
ListenConfig parse_listen(const nlohmann::json* section, const std::filesystem::path& base_dir);
AuthConfig parse_auth(const nlohmann::json* section, const std::filesystem::path& base_dir);
JournalConfig parse_journal(const nlohmann::json* section, const std::filesystem::path& base_dir);
std::vector<ScheduleConfig> parse_schedules(const nlohmann::json* section,
                                            const std::filesystem::path& base_dir);

}  // namespace stopd::core::config_detail
