// The real stopd-hwcloud-emulator binary, started for a test run on a free port, and a small
// HTTP helper to drive its control endpoints (state, faults, request log, reset) and to send raw
// requests the plugins never would.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace stopd::hwtest {

struct HttpAnswer {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // lowercase names

  nlohmann::json json() const;
  std::string header(const std::string& lowercase_name) const;
};

// One request on a fresh connection. Throws std::runtime_error if there is no answer in 10 s.
HttpAnswer http_request(const std::string& method, const std::string& url,
                        const std::vector<std::pair<std::string, std::string>>& headers = {},
                        const std::string& body = "");

// The emulator's flags to serve HTTPS with the test certificates (STOPD_TEST_TLS_DIR, made by
// scripts/test-tls-cert.sh at build time); a client trusts it with tls_ca_file().
std::vector<std::string> tls_args(const std::filesystem::path& tls_dir);
inline std::string tls_ca_file(const std::filesystem::path& tls_dir) {
  return (tls_dir / "ca.pem").string();
}

class EmulatorProcess {
 public:
  // Starts the binary (STOPD_HWCLOUD_EMULATOR_PATH) with --port 0 and waits for its
  // "listening on" line. Throws std::runtime_error if it does not come within 10 s.
  EmulatorProcess(const std::filesystem::path& fixture, std::vector<std::string> extra_args = {});
  ~EmulatorProcess();  // SIGTERM, then SIGKILL after 5 s
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  const std::string& url() const { return url_; }  // http://127.0.0.1:PORT (https:// with TLS)
  pid_t pid() const { return pid_; }

  void reset() const;                                   // POST /_emulator/reset
  void set_faults(const nlohmann::json& faults) const;  // PUT /_emulator/faults
  nlohmann::json requests() const;                      // GET /_emulator/requests → array
  nlohmann::json state() const;                         // GET /_emulator/state
  // The API requests logged (control endpoints are never logged) with this method.
  std::vector<nlohmann::json> requests_with(const std::string& method) const;

 private:
  pid_t pid_ = -1;
  std::string url_;
};

}  // namespace stopd::hwtest
