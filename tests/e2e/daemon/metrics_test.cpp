// The daemon's Prometheus endpoint, as a scraper sees it: the stops it ran and its journal writes.
#include <gtest/gtest.h>

#include <regex>

#include "daemon_harness.hpp"
#include "stopd/test/child_process.hpp"

namespace stopd::e2e {
namespace {

using stopd::test::spawn_child;

TEST(DaemonMetrics, StopsAndJournalWritesAreExported) {
  TestDaemon daemon(json{{"metrics", {{"listen", "127.0.0.1:0"}}}});
  daemon.start();
  const int port = daemon.metrics_port();
  ASSERT_GT(port, 0) << daemon.log();

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
