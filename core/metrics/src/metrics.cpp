#include "stopd/metrics/metrics.hpp"

#include <CivetServer.h>
#include <netdb.h>
#include <prometheus/exposer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "stop_metrics.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::core {
namespace {

// civetweb says why it could not bind only through its log callback, which has no user data at
// startup; the Exposer is built on the calling thread, so a thread_local catches the message.
thread_local std::string* startup_log = nullptr;

int capture_log(const mg_connection*, const char* message) {
  if (message == nullptr) return 1;
  if (startup_log != nullptr) {
    if (!startup_log->empty()) *startup_log += "; ";
    *startup_log += message;
  } else {
    host_logger()->debug("metrics endpoint: {}", message);
  }
  return 1;  // handled: civetweb writes nothing itself
}

// civetweb takes IP addresses only.
std::string civetweb_address(const std::string& listen) {
  const std::string localhost = "localhost:";
  if (listen.rfind(localhost, 0) == 0) return "127.0.0.1:" + listen.substr(localhost.size());
  return listen;
}

// Where a client reaches a server bound to `address` ("0.0.0.0:…" or "[::]:…": the loopback).
std::string reachable_host(const std::string& address) {
  std::string host = address.substr(0, address.rfind(':'));
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

// Connects and hangs up at once: wakes civetweb's accept loop, which otherwise notices that it
// should stop only after its poll times out (2 s).
void poke(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return;
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    ::connect(fd, found->ai_addr, found->ai_addrlen);
    ::close(fd);
  }
  ::freeaddrinfo(found);
}

// Plugin liveness, read from the supervisors at each scrape rather than pushed on every change.
class PluginCollectable final : public prometheus::Collectable {
 public:
  explicit PluginCollectable(
      std::vector<std::pair<std::string, std::shared_ptr<SupervisedPlugin>>> plugins)
      : plugins_(std::move(plugins)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily up{"stopd_plugin_up",
                                "1 while the provider can serve: in-process, or its plugin host "
                                "process runs",
                                prometheus::MetricType::Gauge,
                                {}};
    prometheus::MetricFamily restarts{
        "stopd_plugin_restarts_total",
        "Deaths of an isolated provider's plugin host process, by how it ended",
        prometheus::MetricType::Counter,
        {}};
    for (const auto& [type, plugin] : plugins_) {
      prometheus::ClientMetric metric;
      metric.label = {{"type", type}};
      if (!plugin) {
        metric.gauge.value = 1;
        up.metric.push_back(metric);
        continue;
      }
      const PluginHostStatus status = plugin->status();
      metric.gauge.value = status.state == PluginHostStatus::State::running ? 1 : 0;
      up.metric.push_back(metric);
      for (const auto& [reason, count] : status.restarts_by_reason) {
        prometheus::ClientMetric restart;
        restart.label = {{"reason", reason}, {"type", type}};
        restart.counter.value = count;
        restarts.metric.push_back(restart);
      }
    }
    return {up, restarts};
  }

 private:
  const std::vector<std::pair<std::string, std::shared_ptr<SupervisedPlugin>>> plugins_;
};

// Schedules, read from the scheduler at each scrape.
class ScheduleCollectable final : public prometheus::Collectable {
 public:
  explicit ScheduleCollectable(std::function<std::vector<ScheduleMetrics>()> read)
      : read_(std::move(read)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily runs{"stopd_schedule_runs_total",
                                  "Runs of each schedule that came due, by what became of them",
                                  prometheus::MetricType::Counter,
                                  {}};
    prometheus::MetricFamily next{"stopd_schedule_next_run_timestamp_seconds",
                                  "When each schedule fires next (unix seconds)",
                                  prometheus::MetricType::Gauge,
                                  {}};
    prometheus::MetricFamily lateness{"stopd_schedule_lateness_seconds",
                                      "How late each schedule's last run was submitted",
                                      prometheus::MetricType::Gauge,
                                      {}};
    for (const ScheduleMetrics& schedule : read_()) {
      const std::pair<const char*, unsigned> results[] = {{"started", schedule.started},
                                                          {"skipped", schedule.skipped},
                                                          {"missed", schedule.missed},
                                                          {"refused", schedule.refused}};
      for (const auto& [result, count] : results) {
        prometheus::ClientMetric metric;
        metric.label = {{"result", result}, {"schedule", schedule.name}};
        metric.counter.value = count;
        runs.metric.push_back(metric);
      }
      prometheus::ClientMetric late;
      late.label = {{"schedule", schedule.name}};
      late.gauge.value = schedule.lateness_seconds;
      lateness.metric.push_back(late);
      if (schedule.next_unix_seconds) {
        prometheus::ClientMetric when;
        when.label = {{"schedule", schedule.name}};
        when.gauge.value = *schedule.next_unix_seconds;
        next.metric.push_back(when);
      }
    }
    return {runs, next, lateness};
  }

 private:
  const std::function<std::vector<ScheduleMetrics>()> read_;
};

}  // namespace

struct Metrics::Impl {
  std::shared_ptr<metrics_detail::StopMetrics> metrics =
      std::make_shared<metrics_detail::StopMetrics>();
  std::shared_ptr<metrics_detail::StopMetricsObserver> observer =
      std::make_shared<metrics_detail::StopMetricsObserver>(metrics);
  std::unique_ptr<prometheus::Exposer> exposer;
  std::shared_ptr<prometheus::Collectable> plugins;    // a PluginCollectable
  std::shared_ptr<prometheus::Collectable> schedules;  // a ScheduleCollectable
  std::string host;                                    // where the endpoint is reachable
  int port = 0;
};

Metrics::Metrics(const std::string& listen) : impl_(std::make_shared<Impl>()) {
  const std::string address = civetweb_address(listen);
  // An address civetweb reads as options ("s" TLS, "r" redirect, several ports) is not one.
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size() ||
      address.find_first_not_of("0123456789", colon + 1) != std::string::npos ||
      address.find(',') != std::string::npos)
    throw std::runtime_error("metrics: cannot listen on " + listen + ": expected HOST:PORT");
  CivetCallbacks callbacks;
  callbacks.log_message = capture_log;
  std::string log;
  startup_log = &log;
  try {
    impl_->exposer = std::make_unique<prometheus::Exposer>(
        std::vector<std::string>{"listening_ports", address, "num_threads", "2"}, &callbacks);
  } catch (const std::exception& e) {
    startup_log = nullptr;
    throw std::runtime_error("metrics: cannot listen on " + listen + ": " +
                             (log.empty() ? std::string(e.what()) : log));
  }
  startup_log = nullptr;
  const auto ports = impl_->exposer->GetListeningPorts();
  impl_->port = ports.empty() ? 0 : ports.front();
  impl_->host = reachable_host(address);
  impl_->exposer->RegisterCollectable(impl_->metrics->registry());
}

Metrics::~Metrics() {
  // The observer may outlive this object (the dispatcher holds it); the HTTP server does not.
  if (!impl_ || !impl_->exposer) return;
  std::atomic<bool> stopped{false};
  std::thread waker([&] {
    while (!stopped.load()) {
      poke(impl_->host, impl_->port);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  impl_->exposer.reset();
  stopped.store(true);
  waker.join();
}

std::shared_ptr<StopObserver> Metrics::stop_observer() {
  return impl_->observer;
}

std::function<void(std::chrono::nanoseconds)> Metrics::journal_write_recorder() {
  return [metrics = impl_->metrics](std::chrono::nanoseconds took) {
    metrics->observe_journal_write(std::chrono::duration<double>(took).count());
  };
}

std::function<void(std::uint64_t)> Metrics::journal_dead_letters_recorder() {
  return [metrics = impl_->metrics](std::uint64_t count) {
    metrics->set_journal_dead_letters(static_cast<double>(count));
  };
}

void Metrics::watch_plugins(
    std::vector<std::pair<std::string, std::shared_ptr<SupervisedPlugin>>> plugins) {
  impl_->plugins = std::make_shared<PluginCollectable>(std::move(plugins));
  impl_->exposer->RegisterCollectable(impl_->plugins);
}

void Metrics::watch_schedules(std::function<std::vector<ScheduleMetrics>()> read) {
  impl_->schedules = std::make_shared<ScheduleCollectable>(std::move(read));
  impl_->exposer->RegisterCollectable(impl_->schedules);
}

int Metrics::port() const {
  return impl_->port;
}

}  // namespace stopd::core
