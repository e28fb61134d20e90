// The HTTP client every Huawei Cloud plugin uses, one per plugin instance (so one connection pool
// per endpoint), safe to call from many threads at once. One call() is one logical request:
// rate-limited, authenticated, sent over a reused connection, retried on throttling and 5xx
// with jittered backoff, and never allowed to run past the stop's deadline.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "stopd/huaweicloud/aksk_signer.hpp"
#include "stopd/huaweicloud/call_scope.hpp"
#include "stopd/huaweicloud/client_settings.hpp"
#include "stopd/huaweicloud/service_error.hpp"
#include "stopd/huaweicloud/token_bucket.hpp"
#include "stopd/sdk/logger.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::huaweicloud {

class EasyHandlePool;

struct ApiRequest {
  std::string method = "GET";
  std::string path;          // percent-encoded (build_path), appended to the endpoint
  aksk::HeaderList headers;  // extra headers (DLF's workspace); signed like the rest
  std::optional<std::string> json_body;
};

struct ApiResponse {
  long status = 0;
  std::string body;
  std::string request_id;  // X-Request-Id, or the body's request_id
  std::optional<std::chrono::milliseconds> retry_after;

  bool ok() const { return status >= 200 && status < 300; }
  ServiceError error() const;  // the parsed error body, request id filled in
};

struct CallResult {
  // The service's last answer. Present unless `failure` says why there is none to act on.
  std::optional<ApiResponse> response;
  // Set when the call ended without an answer to interpret: the deadline passed (also while
  // retries were still due), the stop was cancelled, the service could not be reached, or the
  // client is not configured. Carries the code, a message and the facts (attempts, last status,
  // request id).
  std::optional<sdk::StopOutcome> failure;
  unsigned attempts = 0;
};

class ApiClient {
 public:
  // Throws std::invalid_argument for unusable settings.
  ApiClient(ClientSettings settings, std::string service, std::shared_ptr<sdk::Logger> logger);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  CallResult call(const ApiRequest& request, const CallScope& scope);

  const std::string& endpoint() const { return settings_.endpoint; }
  const std::string& service() const { return service_; }
  // TCP connections opened so far (libcurl's count): what connection reuse saves.
  std::uint64_t connections_opened() const { return connections_opened_.load(); }

 private:
  struct Attempt;
  Attempt perform(const ApiRequest& request, const CallScope& scope);

  ClientSettings settings_;
  std::string service_;
  std::shared_ptr<sdk::Logger> logger_;
  std::unique_ptr<EasyHandlePool> pool_;
  std::unique_ptr<TokenBucket> rate_limiter_;
  std::atomic<std::uint64_t> connections_opened_{0};
  std::mutex random_mutex_;
  std::mt19937_64 random_;
};

}  // namespace stopd::huaweicloud
