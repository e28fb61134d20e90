#include "stopd/huaweicloud/api_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "easy_handle_pool.hpp"
#include "stopd/huaweicloud/outcome_mapping.hpp"
#include "stopd/huaweicloud/retry_policy.hpp"

namespace stopd::huaweicloud {
namespace {

using std::chrono::milliseconds;

constexpr std::size_t kMaxResponseBytes = 1024 * 1024;
// Below this much time left, starting another attempt cannot end in an answer.
constexpr milliseconds kMinimumAttemptTime{5};

struct TransferState {
  const CallScope* scope = nullptr;
  std::string body;
  bool body_too_large = false;
  std::string request_id;
  std::string retry_after;
};

bool header_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  return true;
}

std::string header_value(std::string_view line, std::size_t name_size) {
  std::string_view value = line.substr(name_size + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
    value.remove_suffix(1);
  // Printable only: the id ends up in messages and logs.
  std::string clean;
  for (const char c : value.substr(0, 128))
    if (std::isgraph(static_cast<unsigned char>(c))) clean.push_back(c);
  return clean;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  const std::size_t bytes = size * count;
  if (state->body.size() + bytes > kMaxResponseBytes) {
    state->body_too_large = true;
    return 0;  // aborts the transfer
  }
  state->body.append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  const std::string_view line(data, size * count);
  if (header_is(line, "x-request-id"))
    state->request_id = header_value(line, 12);
  else if (header_is(line, "retry-after"))
    state->retry_after = header_value(line, 11);
  return size * count;
}

// Called by libcurl during the transfer (also while it waits for an answer): aborts it the
// moment the stop is cancelled or its deadline passes, however long the request timeout is.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* state = static_cast<TransferState*>(user);
  return (state->scope->cancelled() || Clock::now() >= state->scope->deadline()) ? 1 : 0;
}

struct HeaderSlist {
  curl_slist* list = nullptr;
  ~HeaderSlist() { curl_slist_free_all(list); }
  void add(const std::string& line) {
    curl_slist* grown = curl_slist_append(list, line.c_str());
    if (grown == nullptr) throw std::bad_alloc();
    list = grown;
  }
};

// scheme://host[:port] → host[:port], the Host header curl sends and the signature covers.
std::string host_of(const std::string& endpoint) {
  const auto start = endpoint.find("://");
  const auto host_start = start == std::string::npos ? 0 : start + 3;
  const auto end = endpoint.find('/', host_start);
  return endpoint.substr(host_start,
                         end == std::string::npos ? std::string::npos : end - host_start);
}

// The path prefix of an endpoint such as https://host/gateway (empty for most).
std::string path_prefix_of(const std::string& endpoint) {
  const auto start = endpoint.find("://");
  const auto slash = endpoint.find('/', start == std::string::npos ? 0 : start + 3);
  return slash == std::string::npos ? std::string() : endpoint.substr(slash);
}

enum class TransportClass { retryable, configuration, internal };

TransportClass classify(CURLcode code) {
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return TransportClass::configuration;
    case CURLE_WRITE_ERROR:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return TransportClass::internal;
    default:
      return TransportClass::retryable;
  }
}

std::string describe_answer(const ApiResponse& response) {
  const ServiceError error = response.error();
  std::string text = "HTTP " + std::to_string(response.status);
  if (!error.code.empty()) text += " " + error.code;
  if (!error.message.empty()) text += ": " + error.message;
  if (!error.request_id.empty()) text += " (request id " + error.request_id + ")";
  return text;
}

}  // namespace

ServiceError ApiResponse::error() const {
  ServiceError parsed = parse_service_error(body);
  if (!request_id.empty()) parsed.request_id = request_id;
  return parsed;
}

struct ApiClient::Attempt {
  std::optional<ApiResponse> response;
  CURLcode transport = CURLE_OK;
  std::string transport_error;
  bool aborted = false;  // by the deadline or cancellation
};

ApiClient::ApiClient(ClientSettings settings, std::string service,
                     std::shared_ptr<sdk::Logger> logger)
    : settings_(std::move(settings)),
      service_(std::move(service)),
      logger_(std::move(logger)),
      pool_(std::make_unique<EasyHandlePool>(settings_.max_connections)),
      random_(std::random_device{}()) {
  if (settings_.endpoint.empty()) throw std::invalid_argument("the client needs an endpoint");
  if (settings_.rate_limit)
    rate_limiter_ = std::make_unique<TokenBucket>(settings_.rate_limit->requests_per_second,
                                                  settings_.rate_limit->burst);
  if (!settings_.verify_tls && logger_)
    logger_->log(sdk::LogLevel::warn, service_ +
                                          ": TLS certificate verification is turned off "
                                          "(settings.tls.verify = false) for " +
                                          settings_.endpoint);
}

ApiClient::~ApiClient() = default;

ApiClient::Attempt ApiClient::perform(const ApiRequest& request, const CallScope& scope) {
  Attempt attempt;
  auto lease = pool_->acquire(scope.deadline());
  if (!lease) {
    attempt.aborted = true;
    return attempt;
  }
  CURL* curl = lease->get();
  curl_easy_reset(curl);  // keeps the handle's live connection and caches

  const std::string body = request.json_body.value_or("");
  const std::string path = path_prefix_of(settings_.endpoint) + request.path;
  aksk::HeaderList headers = {{"Host", host_of(settings_.endpoint)}};
  if (request.json_body) headers.emplace_back("Content-Type", "application/json;charset=UTF-8");
  for (const auto& header : request.headers) headers.push_back(header);
  settings_.credentials.authorize(request.method, path, body, headers,
                                  std::chrono::system_clock::now());

  HeaderSlist slist;
  for (const auto& [name, value] : headers) slist.add(name + ": " + value);
  slist.add("Accept: application/json");
  slist.add("Expect:");  // no 100-continue round trip for small bodies

  const auto now = Clock::now();
  const auto left = std::chrono::duration_cast<milliseconds>(scope.deadline() - now);
  const long total_ms = static_cast<long>(
      std::max<long long>(1, std::min<long long>(left.count(), settings_.request_timeout.count())));
  const long connect_ms = std::min(total_ms, static_cast<long>(settings_.connect_timeout.count()));

  TransferState state;
  state.scope = &scope;
  char error_buffer[CURL_ERROR_SIZE] = {};
  const std::string url = settings_.endpoint + request.path;

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_SHARE, pool_->share());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, slist.list);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "stopd-huaweicloud/1.0");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXCONNECTS, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, total_ms);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, settings_.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, settings_.verify_tls ? 2L : 0L);
  if (settings_.ca_file) curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_file->c_str());
  if (!settings_.reuse_connections) {
    curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
  }
  if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &state);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &state);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);

  const CURLcode code = curl_easy_perform(curl);
  long connects = 0;
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
  connections_opened_ += static_cast<std::uint64_t>(std::max(0L, connects));
  // The slist and the body die with this frame: the handle must not point at them.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);

  if (code != CURLE_OK) {
    attempt.transport = code;
    attempt.aborted = code == CURLE_ABORTED_BY_CALLBACK ||
                      (code == CURLE_OPERATION_TIMEDOUT && Clock::now() >= scope.deadline());
    attempt.transport_error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    if (state.body_too_large) attempt.transport_error = "the answer is larger than 1 MiB";
    return attempt;
  }
  ApiResponse response;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(state.body);
  response.request_id = std::move(state.request_id);
  if (!state.retry_after.empty())
    response.retry_after = parse_retry_after(state.retry_after, std::chrono::system_clock::now());
  attempt.response = std::move(response);
  return attempt;
}

CallResult ApiClient::call(const ApiRequest& request, const CallScope& scope) {
  CallResult result;
  const std::string what = request.method + " " + request.path;
  std::string last_problem;  // what the previous attempt got, for the message if we give up
  bool last_was_answer = false;
  auto finish = [&](sdk::Code code, std::string message) {
    nlohmann::json facts = result.response ? response_facts(*result.response, result.attempts)
                                           : nlohmann::json{{"attempts", result.attempts}};
    result.failure = sdk::StopOutcome::make(code, std::move(message), std::move(facts));
    return result;
  };
  auto since_last = [&] { return last_problem.empty() ? "" : "; last answer: " + last_problem; };

  for (;;) {
    if (scope.cancelled())
      return finish(sdk::Code::cancelled, what + " was cancelled" + since_last());
    if (Clock::now() + kMinimumAttemptTime >= scope.deadline())
      return finish(sdk::Code::deadline_exceeded,
                    service_ + " did not answer " + what + " before the stop's deadline" +
                        (result.attempts > 0
                             ? " (" + std::to_string(result.attempts) + " attempts)" + since_last()
                             : ""));
    if (rate_limiter_) {
      const auto slot = rate_limiter_->reserve(scope.deadline());
      if (!slot)
        return finish(sdk::Code::deadline_exceeded,
                      "the client-side rate limit of " +
                          std::to_string(settings_.rate_limit->requests_per_second) +
                          " requests/s leaves no slot for " + what + " before the stop's deadline");
      if (!sleep_within(scope, *slot))
        return finish(sdk::Code::cancelled, what + " was cancelled" + since_last());
    }

    ++result.attempts;
    Attempt attempt;
    try {
      attempt = perform(request, scope);
    } catch (const std::runtime_error& e) {  // a secret file became unreadable
      return finish(sdk::Code::failed_precondition,
                    service_ + ": cannot authenticate " + what + ": " + e.what());
    }
    std::optional<milliseconds> retry_after;
    if (attempt.aborted) {
      if (scope.cancelled())
        return finish(sdk::Code::cancelled, what + " was cancelled" + since_last());
      return finish(sdk::Code::deadline_exceeded,
                    service_ + " did not answer " + what + " before the stop's deadline" + " (" +
                        std::to_string(result.attempts) + " attempts)" + since_last());
    }
    if (attempt.response) {
      result.response = std::move(attempt.response);
      const ApiResponse& response = *result.response;
      const bool retryable =
          is_retryable_status(response.status) || is_throttling_code(response.error().code);
      if (logger_ && logger_->enabled(sdk::LogLevel::debug))
        scope.log(sdk::LogLevel::debug, service_ + ": " + what + " → " + describe_answer(response));
      if (!retryable) return result;
      last_problem = describe_answer(response);
      last_was_answer = true;
      retry_after = response.retry_after;
    } else {
      const std::string problem = what + " failed: " + attempt.transport_error;
      switch (classify(attempt.transport)) {
        case TransportClass::configuration:
          return finish(sdk::Code::failed_precondition,
                        service_ + ": " + problem + " (check settings.endpoint and settings.tls)");
        case TransportClass::internal:
          return finish(sdk::Code::internal, service_ + ": " + problem);
        case TransportClass::retryable:
          break;
      }
      last_problem = attempt.transport_error;
      last_was_answer = false;
    }

    if (result.attempts >= settings_.retry.max_attempts) {
      // The last answer itself (a 503, a 429) tells the plugin what to report.
      if (last_was_answer) return result;
      return finish(sdk::Code::unavailable, service_ + " could not be reached for " + what +
                                                " after " + std::to_string(result.attempts) +
                                                " attempts: " + last_problem);
    }
    milliseconds delay;
    {
      std::lock_guard lock(random_mutex_);
      delay = backoff_delay(settings_.retry, result.attempts, retry_after, random_);
    }
    const auto resume = Clock::now() + delay;
    if (resume + kMinimumAttemptTime >= scope.deadline())
      return finish(sdk::Code::deadline_exceeded,
                    "gave up on " + what + " at the stop's deadline after " +
                        std::to_string(result.attempts) + " attempts: the next one (in " +
                        std::to_string(delay.count()) + " ms" +
                        (retry_after ? ", as Retry-After asked" : "") + ") would start too late" +
                        since_last());
    scope.log(sdk::LogLevel::info, service_ + ": " + what + ": " + last_problem + "; attempt " +
                                       std::to_string(result.attempts + 1) + " of " +
                                       std::to_string(settings_.retry.max_attempts) + " in " +
                                       std::to_string(delay.count()) + " ms");
    if (!sleep_within(scope, resume))
      return finish(sdk::Code::cancelled, what + " was cancelled" + since_last());
  }
}

}  // namespace stopd::huaweicloud
