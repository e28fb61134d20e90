#include "emulator_server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <random>

namespace stopd::hwemu {
namespace {

using nlohmann::json;

// Each keep-alive connection holds a server thread for as long as it stays open, so the pool
// must exceed the clients' connection count (the plugins default to 64 per endpoint).
constexpr std::size_t kServerThreads = 160;
constexpr std::size_t kMaxLoggedBody = 2048;
// cpp-httplib listens with a backlog of 5 (compiled into Debian's library): a burst of new
// connections then waits for SYN retransmits (1 s each). The listening socket is given a
// real backlog after bind.
constexpr int kListenBacklog = 1024;

std::string lowercase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

void write_json(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

void write_reply(httplib::Response& response, const ApiReply& reply,
                 const std::string& request_id) {
  response.status = reply.status;
  response.set_header("X-Request-Id", request_id);
  if (reply.retry_after_seconds)
    response.set_header("Retry-After", std::to_string(*reply.retry_after_seconds));
  if (!reply.body.is_null()) response.set_content(reply.body.dump(), "application/json");
}

ApiReply injected_failure(int status, std::optional<Service> service,
                          const std::string& request_id) {
  if (status == 429 || !service)
    return gateway_error(status, status == 429 ? "APIGW.0308" : "APIGW.0202",
                         status == 429 ? "The throttling threshold has been reached: policy user "
                                         "over ratelimit, limit:30, time:1 second"
                                       : "Backend unavailable.",
                         request_id);
  switch (*service) {
    case Service::cdm:
      return service_error(Service::cdm, status, "Cdm.0000",
                           status == 500 ? "Internal server error." : "Service unavailable.");
    case Service::dlf:
      return service_error(Service::dlf, status, "DLF.0100",
                           status == 500 ? "Internal server error." : "Service unavailable.");
    case Service::functiongraph:
      return service_error(Service::functiongraph, status, "FSS.0500",
                           status == 500 ? "Internal server error." : "Service unavailable.");
  }
  return gateway_error(status, "APIGW.0202", "Backend unavailable.", request_id);
}

}  // namespace

std::string new_request_id() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::array<char, 40> text{};
  std::snprintf(text.data(), text.size(), "%016llx%016llx",
                static_cast<unsigned long long>(random()),
                static_cast<unsigned long long>(random()));
  return text.data();
}

namespace {

std::unique_ptr<httplib::Server> make_server(const std::optional<EmulatorServer::TlsFiles>& tls) {
  if (!tls) return std::make_unique<httplib::Server>();
  auto server = std::make_unique<httplib::SSLServer>(tls->certificate.c_str(), tls->key.c_str());
  if (!server->is_valid())
    throw std::runtime_error("cannot load the TLS certificate " + tls->certificate +
                             " with the key " + tls->key + " (PEM files expected)");
  return server;
}

}  // namespace

EmulatorServer::EmulatorServer(Fixture fixture, FaultSettings faults, std::optional<TlsFiles> tls)
    : fixture_(std::move(fixture)),
      initial_faults_(faults),
      state_(fixture_),
      authenticator_(fixture_),
      faults_(std::move(faults)),
      server_(make_server(tls)) {
  router_.add(cdm_routes(state_));
  router_.add(dlf_routes(state_));
  router_.add(functiongraph_routes(state_));
  server_->new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  server_->set_keep_alive_max_count(1000000);
  server_->set_keep_alive_timeout(10);
  server_->set_tcp_nodelay(true);
  server_->set_socket_options([this](int socket) {
    const int yes = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);  // httplib's default
    listen_socket_ = socket;
  });
  auto handler = [this](const httplib::Request& request, httplib::Response& response) {
    handle(request, response);
  };
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Delete(".*", handler);
}

EmulatorServer::~EmulatorServer() {
  stop();
}

int EmulatorServer::bind(const std::string& host, int port) {
  const int bound =
      port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port));
  if (listen_socket_ >= 0) ::listen(listen_socket_, kListenBacklog);  // Linux updates it in place
  return bound;
}

void EmulatorServer::serve() {
  server_->listen_after_bind();
}

void EmulatorServer::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  server_->stop();
}

bool EmulatorServer::pause(std::chrono::milliseconds duration) {
  std::unique_lock lock(stop_mutex_);
  return !stop_requested_.wait_for(lock, duration, [this] { return stopping_; });
}

void EmulatorServer::handle(const httplib::Request& request, httplib::Response& response) {
  const auto started = std::chrono::steady_clock::now();
  const auto question = request.target.find('?');
  const std::string raw_path = request.target.substr(0, question);
  const std::string raw_query =
      question == std::string::npos ? std::string() : request.target.substr(question + 1);
  if (raw_path.starts_with("/_emulator/")) return handle_control(request, response, raw_path);

  const std::string request_id = new_request_id();
  SignedRequest signed_request{request.method, raw_path, raw_query, {}, request.body};
  json headers = json::object();
  for (const auto& [name, value] : request.headers) {
    const std::string lower = lowercase(name);
    signed_request.headers.emplace_back(lower, value);
    if (lower != "remote_addr" && lower != "remote_port" && lower != "local_addr" &&
        lower != "local_port")
      headers[lower] = loggable_header_value(lower, value);
  }
  json entry = {{"method", request.method},
                {"path", raw_path},
                {"query", raw_query},
                {"remote_addr", request.remote_addr},
                {"remote_port", request.remote_port},
                {"connection", request.remote_addr + ":" + std::to_string(request.remote_port)},
                {"headers", headers},
                {"body", request.body.substr(0, kMaxLoggedBody)},
                {"request_id", request_id}};

  const auto segments = decoded_segments(raw_path);
  const auto fault = faults_.decide(request.method);
  ApiReply reply;
  if (fault.latency.count() > 0) pause(fault.latency);
  if (fault.hang) {
    entry["fault"] = "hang";
    pause(*fault.hang);
    reply = gateway_error(504, "APIGW.0201", "The backend timed out.", request_id);
  } else if (fault.fail_status) {
    entry["fault"] = "fail";
    reply = injected_failure(*fault.fail_status,
                             segments ? router_.service_of(*segments) : std::nullopt, request_id);
    reply.retry_after_seconds = fault.retry_after_seconds;
  } else if (const auto match = segments ? router_.match(request.method, *segments) : std::nullopt;
             !match) {
    reply = gateway_error(404, "APIGW.0101",
                          "The API does not exist or has not been published in the environment.",
                          request_id);
  } else {
    entry["params"] = match->params;
    const AuthDecision decision = authenticator_.check(signed_request, match->params[0]);
    if (!decision.caller) {
      reply = gateway_error(decision.status, decision.error_code, decision.message, request_id);
    } else {
      entry["auth"] = decision.caller->method;
      ApiCall call{match->params, *decision.caller, request.body,
                   [&request](const std::string& name) -> std::optional<std::string> {
                     if (!request.has_header(name.c_str())) return std::nullopt;
                     return request.get_header_value(name.c_str());
                   }};
      reply = match->route->handle(call);
    }
  }
  write_reply(response, reply, request_id);
  entry["status"] = reply.status;
  if (!reply.error_code.empty()) entry["error_code"] = reply.error_code;
  entry["duration_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count();
  log_.add(std::move(entry));
}

void EmulatorServer::handle_control(const httplib::Request& request, httplib::Response& response,
                                    const std::string& path) {
  const std::string& method = request.method;
  if (path == "/_emulator/health" && method == "GET")
    return write_json(response, 200, {{"ok", true}});
  if (path == "/_emulator/state" && method == "GET")
    return write_json(response, 200, state_.snapshot());
  if (path == "/_emulator/requests" && method == "GET")
    return write_json(response, 200, {{"requests", log_.entries()}});
  if (path == "/_emulator/requests" && method == "DELETE") {
    log_.clear();
    return write_json(response, 200, {{"cleared", true}});
  }
  if (path == "/_emulator/faults" && method == "GET")
    return write_json(response, 200, faults_.get().to_json());
  if (path == "/_emulator/faults" && method == "PUT") {
    const auto body = json::parse(request.body, nullptr, false);
    try {
      faults_.set(FaultSettings::from_json(body));
    } catch (const std::invalid_argument& e) {
      return write_json(response, 400, {{"error", e.what()}});
    }
    return write_json(response, 200, faults_.get().to_json());
  }
  if (path == "/_emulator/reset" && method == "POST") {
    // Back to the fixture and the command line's faults, with an empty request log.
    state_.reset(fixture_);
    authenticator_.reset(fixture_);
    faults_.set(initial_faults_);
    log_.clear();
    return write_json(response, 200, {{"reset", true}});
  }
  write_json(response, 404,
             {{"error", "unknown control endpoint " + method + " " + path +
                            " (health, state, requests, faults, reset)"}});
}

}  // namespace stopd::hwemu
