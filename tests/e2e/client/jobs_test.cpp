// `stopctl jobs list|show|watch|cancel` through the real daemon.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <set>
#include <sstream>
#include <thread>

#include "stopd/test/child_process.hpp"
#include "test_daemon.hpp"

namespace stopd::e2e {
namespace {

using nlohmann::json;
using stopd::test::spawn_child;

// The id of a job `stop … -o json` accepted.
std::string submit(const TestDaemon& daemon, std::vector<std::string> stop_args) {
  std::vector<std::string> args{"stop"};
  args.insert(args.end(), stop_args.begin(), stop_args.end());
  args.insert(args.end(), {"-o", "json"});
  const auto result = daemon.stopctl(args);
  EXPECT_EQ(result.exit_code, 0) << result;
  return result.exit_code == 0 ? result.json().value("id", "") : std::string();
}

// `jobs show ID -o json` until its state is `state`.
json wait_state(const TestDaemon& daemon, const std::string& id, const std::string& state) {
  json job;
  for (int i = 0; i < 300; ++i) {
    const auto shown = daemon.stopctl({"jobs", "show", id, "-o", "json"});
    if (shown.exit_code != 0) {
      ADD_FAILURE() << shown;
      return nullptr;
    }
    job = shown.json();
    if (job.value("state", "") == state) return job;
    std::this_thread::sleep_for(50ms);
  }
  ADD_FAILURE() << "job " << id << " never became " << state << ": " << job;
  return nullptr;
}

std::set<std::string> ids_of(const StopctlResult& result) {
  std::set<std::string> ids;
  const json list = result.json();
  if (!list.contains("jobs")) return ids;
  for (const auto& job : list["jobs"]) ids.insert(job.value("id", ""));
  return ids;
}

class ClientJobs : public ::testing::Test {
 protected:
  TempDir dir_;
  TestDaemon daemon_{dir_};
};

TEST_F(ClientJobs, ListFiltersByStateTypeTimeAndLimit) {
  pid_t gone = 0;
  {
    auto child = spawn_child({"--exit-on-term"});
    gone = child.pid();
  }
  const std::string first = submit(daemon_, {"local.process", pid_arg(gone)});
  const std::string second = submit(daemon_, {"local.process", pid_arg(gone), "--immediate"});
  auto stubborn = spawn_child({"--ignore-term"});
  const std::string running =
      submit(daemon_, {"local.process", pid_arg(stubborn.pid()), "--grace", "60"});
  ASSERT_FALSE(first.empty() || second.empty() || running.empty());
  wait_finished(daemon_, first);
  wait_finished(daemon_, second);
  wait_state(daemon_, running, "running");

  const auto all = daemon_.stopctl({"jobs", "list", "-o", "json"});
  ASSERT_EQ(all.exit_code, 0) << all;
  EXPECT_EQ(ids_of(all), (std::set<std::string>{first, second, running})) << all;
  // Newest first.
  EXPECT_EQ(all.json()["jobs"][0].value("id", ""), running) << all;
  EXPECT_EQ(all.json().value("more", true), false) << all;

  const auto only_running = daemon_.stopctl({"jobs", "list", "--state", "running", "-o", "json"});
  EXPECT_EQ(ids_of(only_running), std::set<std::string>{running}) << only_running;
  const auto finished = daemon_.stopctl({"jobs", "list", "--state", "finished", "-o", "json"});
  EXPECT_EQ(ids_of(finished), (std::set<std::string>{first, second})) << finished;
  const auto both =
      daemon_.stopctl({"jobs", "list", "--state", "pending", "--state", "running", "-o", "json"});
  EXPECT_EQ(ids_of(both), std::set<std::string>{running}) << both;

  const auto by_type = daemon_.stopctl({"jobs", "list", "--type", "local.process", "-o", "json"});
  EXPECT_EQ(ids_of(by_type).size(), 3u) << by_type;
  const auto other_type =
      daemon_.stopctl({"jobs", "list", "--type", "cri.container", "-o", "json"});
  EXPECT_EQ(other_type.exit_code, 0) << other_type;
  EXPECT_TRUE(ids_of(other_type).empty()) << other_type;

  const auto limited = daemon_.stopctl({"jobs", "list", "--limit", "2", "-o", "json"});
  EXPECT_EQ(ids_of(limited), (std::set<std::string>{running, second})) << limited;
  EXPECT_EQ(limited.json().value("more", false), true) << limited;

  const auto recent = daemon_.stopctl({"jobs", "list", "--since", "10m", "-o", "json"});
  EXPECT_EQ(ids_of(recent).size(), 3u) << recent;
  const auto future =
      daemon_.stopctl({"jobs", "list", "--since", "2100-01-01T00:00:00Z", "-o", "json"});
  EXPECT_EQ(future.exit_code, 0) << future;
  EXPECT_TRUE(ids_of(future).empty()) << future;
  const auto before_them =
      daemon_.stopctl({"jobs", "list", "--until", "2000-01-01T00:00:00Z", "-o", "json"});
  EXPECT_EQ(before_them.exit_code, 0) << before_them;
  EXPECT_TRUE(ids_of(before_them).empty()) << before_them;
  const auto window =
      daemon_.stopctl({"jobs", "list", "--since", "10m", "--until", "0s", "-o", "json"});
  EXPECT_EQ(ids_of(window).size(), 3u) << window;

  const auto table = daemon_.stopctl({"jobs", "list", "--state", "finished"});
  EXPECT_EQ(table.exit_code, 0) << table;
  std::istringstream lines(table.out);
  std::string header;
  std::getline(lines, header);
  for (const char* column : {"ID", "STATE", "TYPE", "TARGET", "OUTCOME", "AGE"})
    EXPECT_TRUE(contains(header, column)) << column << "\n" << table;
  EXPECT_TRUE(contains(table.out, first)) << table;
  EXPECT_TRUE(contains(table.out, "already_stopped")) << table;
  EXPECT_FALSE(contains(table.out, running)) << table;

  const auto none = daemon_.stopctl({"jobs", "list", "--type", "cri.container"});
  EXPECT_EQ(none.exit_code, 0) << none;
  EXPECT_TRUE(contains(none.out, "no jobs")) << none;

  daemon_.stopctl({"jobs", "cancel", running});
}

// Records the journal's tables refused (kept as dead letters) are what an operator must hear of
// first: `jobs list` warns on stderr, and its JSON counts them.
TEST(ClientJobsJournal, ListWarnsOfDeadLetters) {
  TempDir dir;
  {
    TestDaemon daemon(dir);
    const auto clean = daemon.stopctl({"jobs", "list"});
    EXPECT_EQ(clean.exit_code, 0) << clean;
    EXPECT_FALSE(contains(clean.err, "dead_letters")) << clean;
    EXPECT_EQ(daemon.stopctl({"jobs", "list", "-o", "json"}).json().value("dead_letters", -1), 0);
  }  // killed: the journal is the daemon's no more
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / "journal.db").c_str(), &db), SQLITE_OK);
  const int inserted = sqlite3_exec(db,
                                    "INSERT INTO dead_letters (number, kept_ms, error, record) "
                                    "VALUES (3, 1700000000000, 'UNIQUE constraint failed', x'81')",
                                    nullptr, nullptr, nullptr);
  sqlite3_close(db);
  ASSERT_EQ(inserted, SQLITE_OK);

  TestDaemon daemon(dir);
  const auto listed = daemon.stopctl({"jobs", "list"});
  EXPECT_EQ(listed.exit_code, 0) << listed;
  EXPECT_TRUE(contains(listed.err, "refused 1 record(s)")) << listed;
  EXPECT_TRUE(contains(listed.err, "dead_letters table")) << listed;
  EXPECT_TRUE(contains(listed.out, "no jobs")) << listed;
  EXPECT_EQ(daemon.stopctl({"jobs", "list", "-o", "json"}).json().value("dead_letters", -1), 1);
}

TEST_F(ClientJobs, UnknownJobIsNotFound) {
  for (const char* command : {"show", "watch", "cancel"}) {
    const auto result =
        daemon_.stopctl({"jobs", command, "j-00000000000000000000000000", "-o", "json"});
    EXPECT_EQ(result.exit_code, 10) << result;
    EXPECT_EQ(result.json().value("code", ""), "not_found") << result;
  }
}

TEST_F(ClientJobs, CancelWithdrawsALongStopAndLeavesTheProcess) {
  auto child = spawn_child({"--ignore-term"});
  const std::string id = submit(daemon_, {"local.process", pid_arg(child.pid()), "--grace", "60"});
  ASSERT_FALSE(id.empty());
  wait_state(daemon_, id, "running");

  const auto cancelled = daemon_.stopctl({"jobs", "cancel", id});
  EXPECT_EQ(cancelled.exit_code, 0) << cancelled;
  EXPECT_TRUE(contains(cancelled.out, id)) << cancelled;
  const json job = wait_finished(daemon_, id);
  ASSERT_TRUE(job.is_object());
  EXPECT_EQ(job.value("code", ""), "cancelled") << job;
  EXPECT_EQ(job.value("forced", true), false) << job;
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(child.running()) << "the cancelled stop still killed the process";

  // Cancelling a finished job changes nothing.
  const auto again = daemon_.stopctl({"jobs", "cancel", id, "-o", "json"});
  EXPECT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(again.json().value("code", ""), "cancelled") << again;
}

TEST_F(ClientJobs, WatchAFinishedJobPrintsItsOutcome) {
  pid_t gone = 0;
  {
    auto child = spawn_child({"--exit-on-term"});
    gone = child.pid();
  }
  const std::string id = submit(daemon_, {"local.process", pid_arg(gone)});
  wait_finished(daemon_, id);
  const auto watched = daemon_.stopctl({"jobs", "watch", id});
  EXPECT_EQ(watched.exit_code, 0) << watched;
  EXPECT_TRUE(contains(watched.out, "already_stopped: local.process " + pid_arg(gone))) << watched;
}

// Waits out a real grace: runs alone (see CMakeLists.txt).
class ClientJobsTiming : public ClientJobs {};

// A TERM-ignoring child with a 2 s grace: the watch sees the job through to the forced stop.
TEST_F(ClientJobsTiming, WatchFollowsAForcedStop) {
  auto child = spawn_child({"--ignore-term"});
  const std::string id = submit(daemon_, {"local.process", pid_arg(child.pid()), "--grace", "2"});
  ASSERT_FALSE(id.empty());
  const auto watched = daemon_.stopctl({"jobs", "watch", id, "-o", "json"});
  EXPECT_EQ(watched.exit_code, 0) << watched;
  std::vector<json> events;
  std::istringstream lines(watched.out);
  for (std::string line; std::getline(lines, line);) {
    try {
      events.push_back(json::parse(line));
    } catch (const json::exception& e) {
      ADD_FAILURE() << "not a JSON line: " << line << "\n" << watched;
    }
  }
  ASSERT_GE(events.size(), 2u) << watched;
  EXPECT_EQ(events.front().value("kind", ""), "snapshot") << watched;
  EXPECT_EQ(events.back().value("kind", ""), "finished") << watched;
  const json& last = events.back()["job"];
  EXPECT_EQ(last.value("state", ""), "finished") << watched;
  EXPECT_EQ(last.value("code", ""), "stopped") << watched;
  EXPECT_EQ(last.value("forced", false), true) << watched;
  std::string previous;
  bool forced_progress = false;
  for (const auto& event : events) {
    EXPECT_EQ(event["job"].value("id", ""), id) << watched;
    const std::string at = event.value("at", "");
    EXPECT_LE(previous, at) << "events out of order\n" << watched;  // RFC 3339 UTC sorts
    previous = at;
    forced_progress = forced_progress || (event.value("kind", "") == "progress" &&
                                          event.value("phase", "") == "forced");
  }
  EXPECT_TRUE(forced_progress) << watched;
  EXPECT_FALSE(child.running());

  // Not a terminal, human: one line per event (here: the finished job's snapshot), the outcome.
  const auto human = daemon_.stopctl({"jobs", "watch", id});
  EXPECT_EQ(human.exit_code, 0) << human;
  EXPECT_TRUE(contains(human.out, "  stopped: local.process " + pid_arg(child.pid()) + ": "))
      << human;
  EXPECT_TRUE(contains(human.out, "forced: yes")) << human;
}

}  // namespace
}  // namespace stopd::e2e
