// The daemon's unix socket file: checks before binding (the directory exists, the path fits, no
// live daemon answers on it; a stale socket left by a crash is removed), and its mode after.
#pragma once

#include <filesystem>

namespace stopd::api {

// Throws core::StartupError: exit_code::config for a missing directory, a path too long or a
// path that is not a socket; 1 when another process accepts connections on it.
void prepare_unix_socket(const std::filesystem::path& path);

// Where to bind: a staging name next to `path` (renamed into place by publish_unix_socket once the
// server runs), or `path` itself when a staging name would not fit in a socket address.
struct StagedSocket {
  std::filesystem::path bind_path;
};
StagedSocket stage_unix_socket(const std::filesystem::path& path);

// Moves the staged socket to `path`, refusing to replace anything that appeared there meanwhile.
// Throws core::StartupError.
void publish_unix_socket(const StagedSocket& staged, const std::filesystem::path& path);

// chmod to `mode`. Throws core::StartupError.
void set_socket_mode(const std::filesystem::path& path, unsigned mode);

}  // namespace stopd::api
