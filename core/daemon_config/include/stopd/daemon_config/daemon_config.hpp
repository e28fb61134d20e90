// The daemon's configuration: the same JSON file as HostConfig (host_config.hpp), whose daemon
// sections stopctl --local ignores. Invalid → ConfigError naming the key and why; the daemon
// refuses to start.
//
// {
//   …host keys (plugin_dirs, plugins, providers, dispatcher, log_level)…,
//   "listen": {
//     "unix_socket": "/run/stopd/stopd.sock", "socket_mode": "0660",
//     "tcp": "0.0.0.0:7443",                    // optional; needs "tls", or "insecure": true
//     "tls": {"cert": "server.crt", "key": "server.key", "client_ca": "ca.crt",
//             "require_client_cert": true}
//   },
//   "auth": {
//     "unix_socket": "trusted",                 // or "token": socket clients need a token too
//     "tokens": [
//       {"name": "ops", "sha256": "<64 hex>", "scopes": [{"types": ["*"]}]},
//       {"name": "cdm-bot", "token": {"env": "STOPD_CDM_TOKEN"},
//        "scopes": [{"types": ["huaweicloud.cdm.*"], "target": {"project_id": ["p-123"]}}]}
//     ]
//   },
//   "journal": {"file": "/var/lib/stopd/journal.db", "sync": "full", "retention_hours": 168,
//               "prune_interval_minutes": 60},
//   "metrics": {"listen": "127.0.0.1:9464"},
//   "drain_timeout_seconds": 30,
//   "quarantine_after_crashes": 2
// }
//
// A secret (a token's plaintext) may be inline, {"env": "NAME"} or {"file": "/path"}; it is
// hashed at load and the plaintext is dropped. Relative paths resolve against the config file's
// directory. Checks beyond the schema, all without side effects: TCP without TLS is refused
// unless "insecure": true; TLS files must be readable PEM files; a socket_mode that lets others
// write to a trusted socket is refused; token names and tokens are unique; an explicitly
// configured socket or journal must be in an existing directory. The daemon never creates the
// directories of the defaults either (/run/stopd, /var/lib/stopd: the service manager's
// RuntimeDirectory=/StateDirectory= or the package create them); `stopd --state-dir DIR` is the
// way to run it with everything in one directory it creates itself.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "stopd/core/host_config.hpp"

namespace stopd::core {

struct TlsConfig {
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  std::optional<std::filesystem::path> client_ca_file;
  bool require_client_cert = false;
};

struct ListenConfig {
  std::filesystem::path unix_socket = "/run/stopd/stopd.sock";
  unsigned socket_mode = 0660;
  std::optional<std::string> tcp;  // host:port ("0.0.0.0:7443", "[::]:7443"; port 0: any)
  std::optional<TlsConfig> tls;    // set whenever tcp is, unless insecure
  bool insecure = false;           // tcp without TLS, explicitly allowed ("insecure": true)
  // Threads serving calls at once: every method is synchronous, and a Stop that waits or an
  // open watch holds its thread. Beyond it, gRPC answers RESOURCE_EXHAUSTED.
  int max_threads = 1024;
};

struct TokenScope {
  // A type matches an entry that equals it, "*", or a prefix pattern "huaweicloud.*" (which
  // matches "huaweicloud.cdm.cluster" but not "huaweicloud" itself).
  std::vector<std::string> types;  // "local.process", "huaweicloud.*", "*"
  // Target key → the values allowed for it; a target must carry each key with one of them (JSON
  // equality; numbers by value). The config may give a single value instead of a list.
  std::map<std::string, std::vector<nlohmann::json>> target;
};

struct TokenConfig {
  std::string name;                       // what logs, the journal and audit show; never the token
  std::array<std::uint8_t, 32> sha256{};  // token_sha256() of the token's bytes
  std::vector<TokenScope> scopes;         // at least one (the config refuses a token without)
};

// The digest a token is kept by (TokenConfig::sha256) and a presented one is compared by: one
// function for both, so the two can never differ. Throws std::runtime_error if OpenSSL fails.
std::array<std::uint8_t, 32> token_sha256(std::string_view token);

struct AuthConfig {
  enum class UnixSocket { trusted, token };
  UnixSocket unix_socket =
      UnixSocket::trusted;  // trusted: whoever can open the socket may do anything
  std::vector<TokenConfig> tokens;
};

struct JournalConfig {
  std::filesystem::path file = "/var/lib/stopd/journal.db";
  bool sync_full = true;
  std::chrono::seconds retention{std::chrono::hours(24 * 7)};
  std::chrono::seconds prune_interval{std::chrono::hours(1)};
};

struct MetricsConfig {
  // host:port of the Prometheus endpoint ("127.0.0.1:9464", "0.0.0.0:9464", "localhost:9464";
  // IPv4 only: the HTTP server has no IPv6; port 0: any free port); nullopt: off
  std::optional<std::string> listen;
};

// One scheduled stop ("schedules" in the config; README: Scheduled stops). Its cron and zone are
// checked at load; its plan's text is read at load and parsed when the daemon starts.
struct ScheduleConfig {
  std::string name;
  std::string cron;
  std::string tz;           // empty: UTC
  std::string plan;         // the plan's text (JSON or YAML)
  std::string plan_source;  // its file, or "config.schedules.NAME.plan" for an inline plan
  bool replace = false;     // overlap: "replace" (true) or "forbid" (false, the default)
  std::chrono::seconds catch_up{std::chrono::minutes(5)};
  bool paused = false;
  std::chrono::seconds jitter{0};  // each run waits [0, jitter) after its instant
  unsigned history_succeeded = 3;  // finished runs kept in the journal
  unsigned history_failed = 1;
};

struct DaemonConfig {
  HostConfig host;
  ListenConfig listen;
  AuthConfig auth;
  JournalConfig journal;
  MetricsConfig metrics;
  std::vector<ScheduleConfig> schedules;
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(30)};
  unsigned quarantine_after = 2;  // JobManagerOptions::quarantine_after
  std::string source;             // the config file it came from (in messages), or empty
};

// Throws ConfigError ("config.listen.tcp: …"). Relative paths resolve against base_dir. Reads
// the secrets it names (environment, files) and checks files, but changes nothing.
DaemonConfig parse_daemon_config(const nlohmann::json& document,
                                 const std::filesystem::path& base_dir);
// The same for a file; errors start with the file's name.
DaemonConfig load_daemon_config(const std::filesystem::path& file);

// The secret a config value names: an inline string, {"env": "NAME"} or {"file": "/path"} (the
// file's content without trailing newlines; relative to base_dir; at most 64 KiB). Empty is an
// error. Throws ConfigError naming `key` (and the variable or file) — never the value.
std::string resolve_secret(const nlohmann::json& value, const std::string& key,
                           const std::filesystem::path& base_dir);

}  // namespace stopd::core
