#include "stopd/daemon_config/daemon_config.hpp"

#include "config_checks.hpp"

namespace stopd::core {
namespace {

namespace fs = std::filesystem;
using config_detail::fail;
using nlohmann::json;

const json* section_of(const json& document, const char* key) {
  auto it = document.find(key);
  return it == document.end() ? nullptr : &*it;
}

// What no single section can tell.
void check_together(const DaemonConfig& config) {
  const bool trusted_socket = config.auth.unix_socket == AuthConfig::UnixSocket::trusted;
  if (trusted_socket && (config.listen.socket_mode & 0002u) != 0)
    fail("config.listen.socket_mode",
         config_detail::octal_mode(config.listen.socket_mode) +
             " lets every local user write to the socket, and auth.unix_socket is \"trusted\": "
             "anyone on the host could stop anything; use \"0660\" (and the socket's group), or "
             "set auth.unix_socket to \"token\"");
  if (config.auth.tokens.empty()) {
    if (config.listen.tcp)
      fail("config.auth.tokens",
           "listen.tcp is set but no token is configured: every call over TCP would be refused");
    if (!trusted_socket)
      fail("config.auth.unix_socket",
           "\"token\" needs at least one token in auth.tokens: every call would be refused");
  }
}

}  // namespace

DaemonConfig parse_daemon_config(const json& document, const fs::path& base_dir) {
  DaemonConfig config;
  config.host = parse_host_config(document, base_dir);  // validates the whole document
  config.listen = config_detail::parse_listen(section_of(document, "listen"), base_dir);
  config.auth = config_detail::parse_auth(section_of(document, "auth"), base_dir);
  config.journal = config_detail::parse_journal(section_of(document, "journal"), base_dir);
  config.schedules = config_detail::parse_schedules(section_of(document, "schedules"), base_dir);
  if (const json* metrics = section_of(document, "metrics"))
    if (auto it = metrics->find("listen"); it != metrics->end()) {
      config.metrics.listen = it->get<std::string>();
      config_detail::port_of(*config.metrics.listen, "config.metrics.listen");
    }
  if (auto it = document.find("drain_timeout_seconds"); it != document.end())
    config.drain_timeout =
        std::chrono::milliseconds(static_cast<long long>(it->get<double>() * 1000.0));
  if (auto it = document.find("quarantine_after_crashes"); it != document.end())
    config.quarantine_after = it->get<unsigned>();
  check_together(config);
  return config;
}

DaemonConfig load_daemon_config(const fs::path& file) {
  const json document = read_config_document(file);
  std::error_code ec;
  const fs::path absolute = fs::absolute(file, ec);
  try {
    DaemonConfig config = parse_daemon_config(document, (ec ? file : absolute).parent_path());
    config.source = (ec ? file : absolute).string();
    return config;
  } catch (const ConfigError& e) {
    throw ConfigError(file.string() + ": " + e.what());
  }
}

}  // namespace stopd::core
