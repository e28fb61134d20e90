// Metrics: dispatcher events in, Prometheus text out, fetched over real HTTP.
#include "stopd/metrics/metrics.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <sstream>
#include <thread>

namespace stopd::test {
namespace {

using core::Metrics;
using core::StopEvent;
using core::StopEventKind;
using core::StopResult;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// GET http://127.0.0.1:<port><path> with HTTP/1.0 (the server closes when done): the response.
std::string http_get(int port, const std::string& path = "/metrics") {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("connect to port " + std::to_string(port) + ": " + why);
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    throw std::runtime_error("send failed");
  }
  std::string response;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    response.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return response;
}

std::string metrics_body(int port) {
  const std::string response = http_get(port);
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200"));
  const auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

// The value of one series ("name{labels}" exactly as exposed), or -1 when absent.
double value_of(const std::string& body, const std::string& series) {
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// Feeds events the way the dispatcher does.
struct Feeder {
  std::shared_ptr<core::StopObserver> observer;

  void started(const sdk::StopRequest& request, unsigned attempt) {
    StopEvent event(StopEventKind::started, "s-1", request);
    event.attempt = attempt;
    observer->on_event(event);
  }
  void retry(const sdk::StopRequest& request) {
    StopEvent event(StopEventKind::retry_scheduled, "s-1", request);
    event.attempt = 1;
    event.retry_in = std::chrono::milliseconds(200);
    observer->on_event(event);
  }
  void finished(const sdk::StopRequest& request, sdk::Code code, unsigned attempts,
                std::chrono::milliseconds took, bool dry_run = false) {
    StopResult result;
    result.stop_id = "s-1";
    result.outcome = sdk::StopOutcome::make(code, "done");
    result.attempts = attempts;
    result.dry_run = dry_run;
    result.started = std::chrono::system_clock::now();
    result.finished = result.started + took;
    StopEvent event(StopEventKind::finished, "s-1", request);
    event.attempt = attempts;
    event.result = &result;
    observer->on_event(event);
  }
};

sdk::StopRequest request_of(const std::string& type) {
  sdk::StopRequest request;
  request.type = type;
  request.target = {{"pid", 1}};
  return request;
}

TEST(Metrics, CountsStopsFromObserverEventsAndServesThemOverHttp) {
  Metrics metrics("127.0.0.1:0");
  ASSERT_GT(metrics.port(), 0);
  Feeder feed{metrics.stop_observer()};
  const auto process = request_of("local.process");
  const auto cdm = request_of("huaweicloud.cdm.cluster");

  // One stop in flight after its first attempt started; a second attempt is not a second stop.
  feed.started(process, 1);
  feed.retry(process);
  feed.started(process, 2);
  std::string body = metrics_body(metrics.port());
  EXPECT_EQ(value_of(body, "stopd_stops_in_flight{type=\"local.process\"}"), 1);
  EXPECT_EQ(value_of(body, "stopd_stop_retries_total{type=\"local.process\"}"), 1);
  EXPECT_EQ(value_of(body, "stopd_stops_total{code=\"stopped\",type=\"local.process\"}"), 0);

  feed.finished(process, sdk::Code::stopped, 2, std::chrono::milliseconds(1500));
  // Refused before reaching the provider: counted by code, never in flight, no duration.
  feed.finished(process, sdk::Code::invalid_argument, 0, std::chrono::milliseconds(0));
  // A dry run stops nothing.
  feed.finished(process, sdk::Code::stopped, 0, std::chrono::milliseconds(0), true);
  feed.started(cdm, 1);
  feed.finished(cdm, sdk::Code::deadline_exceeded, 1, std::chrono::milliseconds(3));

  body = metrics_body(metrics.port());
  EXPECT_EQ(value_of(body, "stopd_stops_in_flight{type=\"local.process\"}"), 0);
  EXPECT_EQ(value_of(body, "stopd_stops_in_flight{type=\"huaweicloud.cdm.cluster\"}"), 0);
  EXPECT_EQ(value_of(body, "stopd_stops_total{code=\"stopped\",type=\"local.process\"}"), 1);
  EXPECT_EQ(value_of(body, "stopd_stops_total{code=\"invalid_argument\",type=\"local.process\"}"),
            1);
  EXPECT_EQ(value_of(body, "stopd_stops_total{code=\"already_stopped\",type=\"local.process\"}"),
            0);
  EXPECT_EQ(
      value_of(body,
               "stopd_stops_total{code=\"deadline_exceeded\",type=\"huaweicloud.cdm.cluster\"}"),
      1);
  EXPECT_EQ(value_of(body, "stopd_stop_retries_total{type=\"huaweicloud.cdm.cluster\"}"), 0);

  EXPECT_EQ(value_of(body, "stopd_stop_duration_seconds_count{type=\"local.process\"}"), 1);
  EXPECT_DOUBLE_EQ(value_of(body, "stopd_stop_duration_seconds_sum{type=\"local.process\"}"), 1.5);
  EXPECT_EQ(value_of(body, "stopd_stop_duration_seconds_bucket{type=\"local.process\",le=\"1\"}"),
            0);
  EXPECT_EQ(value_of(body, "stopd_stop_duration_seconds_bucket{type=\"local.process\",le=\"2.5\"}"),
            1);
  EXPECT_EQ(
      value_of(body, "stopd_stop_duration_seconds_bucket{type=\"local.process\",le=\"0.001\"}"), 0);
  EXPECT_EQ(value_of(body, "stopd_stop_duration_seconds_bucket{type=\"local.process\",le=\"600\"}"),
            1);
  EXPECT_EQ(
      value_of(body,
               "stopd_stop_duration_seconds_bucket{type=\"huaweicloud.cdm.cluster\",le=\"0.005\"}"),
      1);
  EXPECT_THAT(body, HasSubstr("# TYPE stopd_stop_duration_seconds histogram"));
  EXPECT_THAT(body, HasSubstr("# TYPE stopd_stops_in_flight gauge"));
  EXPECT_THAT(body, HasSubstr("# TYPE stopd_stops_total counter"));
}

TEST(Metrics, JournalWriteLatency) {
  Metrics metrics("127.0.0.1:0");
  auto record = metrics.journal_write_recorder();
  record(std::chrono::microseconds(200));
  record(std::chrono::milliseconds(3));
  const std::string body = metrics_body(metrics.port());
  EXPECT_EQ(value_of(body, "stopd_journal_write_seconds_count"), 2);
  EXPECT_NEAR(value_of(body, "stopd_journal_write_seconds_sum"), 0.0032, 1e-9);
  EXPECT_EQ(value_of(body, "stopd_journal_write_seconds_bucket{le=\"5e-05\"}"), 0);
  EXPECT_EQ(value_of(body, "stopd_journal_write_seconds_bucket{le=\"0.00025\"}"), 1);
  EXPECT_EQ(value_of(body, "stopd_journal_write_seconds_bucket{le=\"0.005\"}"), 2);
  EXPECT_EQ(value_of(body, "stopd_journal_write_seconds_bucket{le=\"1\"}"), 2);
}

TEST(Metrics, ConcurrentEventsAddUp) {
  Metrics metrics("127.0.0.1:0");
  constexpr int kThreads = 4;
  constexpr int kStops = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Feeder feed{metrics.stop_observer()};
      const auto request = request_of("type." + std::to_string(t % 2));
      for (int i = 0; i < kStops; ++i) {
        feed.started(request, 1);
        feed.finished(request, sdk::Code::stopped, 1, std::chrono::milliseconds(1));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string body = metrics_body(metrics.port());
  for (const char* type : {"type.0", "type.1"}) {
    const std::string label = std::string("type=\"") + type + "\"";
    EXPECT_EQ(value_of(body, "stopd_stops_total{code=\"stopped\"," + label + "}"), 2 * kStops);
    EXPECT_EQ(value_of(body, "stopd_stops_in_flight{" + label + "}"), 0);
  }
}

TEST(Metrics, TheNumberOfTypeLabelsIsBounded) {
  Metrics metrics("127.0.0.1:0");
  Feeder feed{metrics.stop_observer()};
  for (int i = 0; i < 300; ++i)
    feed.finished(request_of("made.up." + std::to_string(i)), sdk::Code::invalid_argument, 0,
                  std::chrono::milliseconds(0));
  const std::string body = metrics_body(metrics.port());
  EXPECT_EQ(value_of(body, "stopd_stops_total{code=\"invalid_argument\",type=\"made.up.0\"}"), 1);
  EXPECT_EQ(value_of(body, "stopd_stops_total{code=\"invalid_argument\",type=\"made.up.299\"}"),
            -1);
  // 256 distinct types, then "other" for the remaining 44.
  EXPECT_EQ(value_of(body, "stopd_stops_total{code=\"invalid_argument\",type=\"made.up.255\"}"), 1);
  EXPECT_EQ(value_of(body, "stopd_stops_total{code=\"invalid_argument\",type=\"other\"}"), 44);
}

TEST(Metrics, BindFailureNamesTheAddress) {
  // Hold a port, then ask for it.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string listen = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  try {
    Metrics metrics(listen);
    ADD_FAILURE() << "bound a port that is in use";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), StartsWith("metrics: cannot listen on " + listen + ": "));
    EXPECT_THAT(e.what(), HasSubstr("Address already in use"));
  }
  ::close(fd);

  for (const char* bad : {"127.0.0.1:80s", "127.0.0.1", "127.0.0.1:1,127.0.0.1:2"}) {
    try {
      Metrics metrics(bad);
      ADD_FAILURE() << bad;
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()),
                std::string("metrics: cannot listen on ") + bad + ": expected HOST:PORT");
    }
  }
}

TEST(Metrics, TheObserverOutlivesTheEndpoint) {
  std::shared_ptr<core::StopObserver> observer;
  int port = 0;
  {
    Metrics metrics("localhost:0");
    observer = metrics.stop_observer();
    port = metrics.port();
    EXPECT_THAT(http_get(port), StartsWith("HTTP/1.1 200"));
  }
  // The port is closed, and events still land safely.
  EXPECT_THROW(http_get(port), std::runtime_error);
  Feeder feed{observer};
  feed.started(request_of("local.process"), 1);
  feed.finished(request_of("local.process"), sdk::Code::stopped, 1, std::chrono::milliseconds(1));
}

}  // namespace
}  // namespace stopd::test
