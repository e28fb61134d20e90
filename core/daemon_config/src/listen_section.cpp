// "listen": the unix socket, and TCP with TLS (or explicitly without).
#include <sys/un.h>

#include "config_checks.hpp"

namespace stopd::core::config_detail {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kMaxSocketPath = sizeof(sockaddr_un::sun_path) - 1;

fs::path parse_unix_socket(const json& value, const fs::path& base_dir) {
  const std::string key = "config.listen.unix_socket";
  const fs::path path = resolve_path(base_dir, value.get<std::string>());
  if (path.native().size() > kMaxSocketPath)
    fail(key, path.string() + " is " + std::to_string(path.native().size()) +
                  " bytes long; a unix socket path can have at most " +
                  std::to_string(kMaxSocketPath));
  require_parent_directory(path, key);
  std::error_code ec;
  const auto status = fs::symlink_status(path, ec);
  if (fs::exists(status) && !fs::is_socket(status))
    fail(key,
         path.string() +
             " exists and is not a socket (the daemon replaces only a stale socket of its own)");
  return path;
}

unsigned parse_socket_mode(const json& value) {
  const std::string key = "config.listen.socket_mode";
  if (value.is_string())
    return static_cast<unsigned>(std::stoul(value.get<std::string>(), nullptr, 8));
  const auto mode = value.get<long long>();
  if (mode < 0 || mode > 0777)
    fail(key, std::to_string(mode) +
                  " is not a file mode (as an integer a mode is at most 511, which is 0777); "
                  "write octal modes as a string, such as \"0660\"");
  return static_cast<unsigned>(mode);
}

TlsConfig parse_tls(const json& section, const fs::path& base_dir) {
  TlsConfig tls;
  tls.cert_file = resolve_path(base_dir, section["cert"].get<std::string>());
  require_pem_file(tls.cert_file, "config.listen.tls.cert");
  tls.key_file = resolve_path(base_dir, section["key"].get<std::string>());
  require_pem_file(tls.key_file, "config.listen.tls.key");
  if (auto it = section.find("client_ca"); it != section.end()) {
    tls.client_ca_file = resolve_path(base_dir, it->get<std::string>());
    require_pem_file(*tls.client_ca_file, "config.listen.tls.client_ca");
  }
  if (auto it = section.find("require_client_cert"); it != section.end())
    tls.require_client_cert = it->get<bool>();
  if (tls.require_client_cert && !tls.client_ca_file)
    fail("config.listen.tls.require_client_cert",
         "needs listen.tls.client_ca, the CA file that client certificates are verified against");
  return tls;
}

}  // namespace

ListenConfig parse_listen(const json* section, const fs::path& base_dir) {
  ListenConfig listen;
  if (section == nullptr) return listen;
  if (auto it = section->find("unix_socket"); it != section->end())
    listen.unix_socket = parse_unix_socket(*it, base_dir);
  if (auto it = section->find("socket_mode"); it != section->end())
    listen.socket_mode = parse_socket_mode(*it);
  if (auto it = section->find("tcp"); it != section->end()) {
    listen.tcp = it->get<std::string>();
    port_of(*listen.tcp, "config.listen.tcp");
  }
  if (auto it = section->find("insecure"); it != section->end()) listen.insecure = it->get<bool>();
  if (auto it = section->find("max_threads"); it != section->end())
    listen.max_threads = it->get<int>();  // its range: the config's schema (host_config.cpp)
  if (auto it = section->find("tls"); it != section->end()) listen.tls = parse_tls(*it, base_dir);

  if (listen.tls && !listen.tcp)
    fail("config.listen.tls",
         "is set but listen.tcp is not (TLS is only used on TCP); add listen.tcp or remove "
         "listen.tls");
  if (listen.insecure && !listen.tcp)
    fail("config.listen.insecure", "is set but listen.tcp is not; remove it");
  if (listen.insecure && listen.tls)
    fail("config.listen.insecure", "true contradicts listen.tls; remove one of them");
  if (listen.tcp && !listen.tls && !listen.insecure)
    fail("config.listen.tcp",
         "TCP without TLS would send bearer tokens in the clear; add listen.tls (cert and key), "
         "or set listen.insecure to true to allow it anyway");
  return listen;
}

}  // namespace stopd::core::config_detail
