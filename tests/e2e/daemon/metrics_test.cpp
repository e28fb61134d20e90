// The daemon's Prometheus endpoint, as a scraper sees it: the stops it ran and its journal writes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "daemon_harness.hpp"
#include "stopd/test/child_process.hpp"

namespace stopd::e2e {
namespace {

using stopd::test::spawn_child;

// GET /metrics from 127.0.0.1:port; the whole response, headers included.
std::string scrape(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      for (ssize_t n; (n = ::read(fd, buffer, sizeof(buffer))) > 0;)
        response.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return response;
}

TEST(DaemonMetrics, StopsAndJournalWritesAreExported) {
  TestDaemon daemon(json{{"metrics", {{"listen", "127.0.0.1:0"}}}});
  daemon.start();
  std::smatch match;
  const std::string log = daemon.log();
  ASSERT_TRUE(std::regex_search(log, match, std::regex(R"(metrics listen=\S+ port=(\d+))"))) << log;
  const int port = std::stoi(match[1].str());

  auto child = spawn_child({"--exit-on-term"});
  auto stub = daemon.stub();
  v1::Job job;
  auto context = call_context(30s);
  ASSERT_TRUE(stub->Stop(context.get(), stop_pid(child.pid(), 5.0, true), &job).ok());
  ASSERT_EQ(job.outcome().code(), "stopped");

  const std::string metrics = scrape(port);
  EXPECT_TRUE(contains(metrics, "200 OK")) << metrics;
  EXPECT_TRUE(std::regex_search(
      metrics, std::regex(R"(stopd_stops_total\{[^}]*type="local.process"[^}]*\} 1)")))
      << metrics;
  EXPECT_TRUE(contains(metrics, "stopd_stop_duration_seconds")) << metrics;
  EXPECT_TRUE(contains(metrics, "stopd_stops_in_flight")) << metrics;
  // The job was journaled (insert, then its changes): the journal's latency was recorded.
  EXPECT_TRUE(std::regex_search(
      metrics, std::regex(R"(stopd_journal_write_seconds_count(\{[^}]*\})? [1-9])")))
      << metrics;
}

}  // namespace
}  // namespace stopd::e2e
