// The journal damaged or held by someone else, against the real stopd binary: a damaged page is
// refused at start (exit 1, the file, what is wrong, what to do) and the README's salvage gets a
// journal stopd starts on, with what its intent log held; a Stop whose journal write cannot be
// made says that its stop was started. The test process plays the other party with its own
// SQLite connection (stopd is another process).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "daemon_harness.hpp"
#include "stopd/test/child_process.hpp"

namespace stopd::e2e {
namespace {

using stopd::test::spawn_child;

// A connection of the test's own to the journal (stopd not running, or running beside it).
class Journal {
 public:
  explicit Journal(const fs::path& file) {
    if (sqlite3_open(file.c_str(), &db_) != SQLITE_OK)
      throw std::runtime_error("cannot open " + file.string());
    sqlite3_busy_timeout(db_, 10'000);
  }
  ~Journal() { sqlite3_close(db_); }
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  void exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string message = error != nullptr ? error : "?";
      sqlite3_free(error);
      throw std::runtime_error(sql + ": " + message);
    }
  }

  std::vector<std::int64_t> integers(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK)
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    std::vector<std::int64_t> values;
    while (sqlite3_step(statement) == SQLITE_ROW)
      values.push_back(sqlite3_column_int64(statement, 0));
    sqlite3_finalize(statement);
    return values;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Overwrites a leaf page of the jobs table in the middle of a journal no one has open (its WAL
// checkpointed into the file first, so no newer copy of the page hides the damage). Returns the
// page's number.
std::int64_t damage_a_page_of_jobs(const fs::path& file) {
  std::int64_t page = 0;
  {
    Journal journal(file);
    journal.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const auto leaves = journal.integers(
        "SELECT pageno FROM dbstat WHERE name = 'jobs' AND pagetype = 'leaf' ORDER BY pageno");
    if (leaves.size() < 3) throw std::runtime_error("too few pages to damage one in the middle");
    page = leaves[leaves.size() / 2];
  }
  std::fstream out(file, std::ios::in | std::ios::out | std::ios::binary);
  out.seekp((page - 1) * 4096);
  for (int i = 0; i < 4096; ++i) out.put('\x5a');
  return page;
}

// Dry runs of one live process: each a job that finishes at once, signalling nothing.
std::vector<std::string> dry_run_jobs(TestDaemon& daemon, pid_t pid, int count) {
  auto stub = daemon.stub();
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    v1::StopRequest request = stop_pid(pid, 5.0);
    request.set_dry_run(true);
    v1::Job job;
    auto context = call_context();
    const grpc::Status status = stub->Stop(context.get(), request, &job);
    if (!status.ok()) throw std::runtime_error("Stop: " + describe(status));
    ids.push_back(job.id());
  }
  return ids;
}

std::set<std::string> listed_ids(TestDaemon& daemon) {
  auto stub = daemon.stub();
  std::set<std::string> ids;
  v1::ListJobsRequest request;
  request.set_page_size(1000);
  for (;;) {
    v1::ListJobsResponse response;
    auto context = call_context();
    const grpc::Status status = stub->ListJobs(context.get(), request, &response);
    if (!status.ok()) throw std::runtime_error("ListJobs: " + describe(status));
    for (const auto& job : response.jobs()) ids.insert(job.id());
    if (response.next_page_token().empty()) return ids;
    request.set_page_token(response.next_page_token());
  }
}

TEST(DaemonJournal, ADamagedPageIsRefusedAtStartWithWhatToDo) {
  TestDaemon daemon;
  daemon.start();
  auto child = spawn_child({"--exit-on-term"});
  dry_run_jobs(daemon, child.pid(), 300);
  ASSERT_EQ(daemon.terminate(kStartTimeout), 0);
  const std::int64_t page = damage_a_page_of_jobs(daemon.journal());

  const std::size_t earlier_runs = daemon.log().size();
  const auto code = daemon.spawn().wait_exit(kStartTimeout);
  const std::string log = daemon.log().substr(earlier_runs);
  ASSERT_TRUE(code.has_value()) << "stopd runs on a damaged journal:\n" << log;
  EXPECT_EQ(*code, 1) << "exit 1: could not start\n" << log;
  EXPECT_TRUE(contains(log, "config.journal.file: journal " + daemon.journal().string() +
                                ": the file is damaged (PRAGMA quick_check: "))
      << log;
  EXPECT_TRUE(contains(log, "Page " + std::to_string(page))) << log;
  EXPECT_TRUE(contains(log, "stopd does not run on a damaged journal. Salvage")) << log;
  EXPECT_FALSE(contains(log, "resumed")) << "it got as far as resuming jobs:\n" << log;
}

int unfinished_count(TestDaemon& daemon) {
  v1::ListJobsRequest request;
  request.add_states(v1::JOB_STATE_PENDING);
  request.add_states(v1::JOB_STATE_RUNNING);
  v1::ListJobsResponse response;
  auto context = call_context();
  const grpc::Status status = daemon.stub()->ListJobs(context.get(), request, &response);
  if (!status.ok()) throw std::runtime_error("ListJobs: " + describe(status));
  return response.jobs_size();
}

// The jobs an intent log's records name (a job's id is in its records as plain text).
std::set<std::string> jobs_in(const fs::path& intents) {
  const std::string bytes = read_file(intents);
  static const std::regex id("j-[0-9a-z]{26}");
  std::set<std::string> ids;
  for (auto it = std::sregex_iterator(bytes.begin(), bytes.end(), id); it != std::sregex_iterator();
       ++it)
    ids.insert(it->str());
  return ids;
}

TEST(DaemonJournal, TheReadmeSalvageGivesAJournalStopdStartsOnWithItsIntentLogApplied) {
  TestDaemon daemon(json{{"journal", {{"sync", "normal"}}}});
  daemon.start();
  auto child = spawn_child({"--exit-on-term"});
  const std::vector<std::string> in_tables = dry_run_jobs(daemon, child.pid(), 300);
  // Every one of them ended, and that is in the tables (a Stop may answer before its end is
  // journaled): the intent log is empty.
  const fs::path intents = daemon.journal().string() + "-intents";
  const auto until = std::chrono::steady_clock::now() + 10s;
  while ((unfinished_count(daemon) > 0 || fs::file_size(intents) > 0) &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(fs::file_size(intents), 0u) << "the intent log was never applied";
  constexpr std::size_t kLeftInTheLog = 3;
  {
    // Held by someone else, the tables cannot take records: these stay in the intent log (a
    // reply may time out: it reads the job back from the tables), and a kill -9 leaves them.
    Journal other(daemon.journal());
    other.exec("BEGIN EXCLUSIVE; INSERT OR REPLACE INTO meta (key, value) VALUES ('held', 'x')");
    auto stub = daemon.stub();
    for (std::size_t i = 0; i < kLeftInTheLog; ++i) {
      v1::StopRequest request = stop_pid(child.pid(), 5.0);
      request.set_dry_run(true);
      v1::Job job;
      auto context = call_context(1s);
      stub->Stop(context.get(), request, &job);
    }
    const auto logged = std::chrono::steady_clock::now() + 10s;
    while (jobs_in(intents).size() < kLeftInTheLog && std::chrono::steady_clock::now() < logged)
      std::this_thread::sleep_for(10ms);
    ASSERT_EQ(jobs_in(intents).size(), kLeftInTheLog);
    daemon.kill9();
    other.exec("ROLLBACK");
  }
  const auto intents_size = fs::file_size(intents);
  ASSERT_GT(intents_size, 0u);
  damage_a_page_of_jobs(daemon.journal());
  ASSERT_EQ(daemon.spawn().wait_exit(kStartTimeout), 1) << daemon.log();
  EXPECT_EQ(fs::file_size(intents), intents_size) << "a refused start touched the intent log";

  // README, "Jobs and the journal", word for word, in the journal's directory.
  const std::string salvage =
      "cd '" + daemon.dir().string() +
      "' && mkdir damaged\n"
      "mv journal.db damaged/; mv journal.db-wal journal.db-shm damaged/ 2>/dev/null\n"
      "{ echo 'PRAGMA auto_vacuum = INCREMENTAL; PRAGMA application_id = 1937010788;'\n"
      "  sqlite3 damaged/journal.db .dump | sed 's/^ROLLBACK; -- due to errors$/COMMIT;/'\n"
      "} | sqlite3 journal.db\n";
  const std::string script = (daemon.dir() / "salvage.sh").string();
  write_file(script, salvage);
  ASSERT_EQ(std::system(("sh '" + script + "' 2>'" + script + ".err'").c_str()), 0)
      << read_file(script + ".err");

  daemon.start();
  const std::set<std::string> listed = listed_ids(daemon);
  std::size_t salvaged = 0;
  for (const std::string& id : in_tables) salvaged += listed.count(id);
  EXPECT_LT(salvaged, in_tables.size()) << "the damaged page held no job: the test proves little";
  EXPECT_GT(salvaged, in_tables.size() * 3 / 4) << "more than the damaged page was lost";
  EXPECT_EQ(listed.size() - salvaged, kLeftInTheLog) << "the intent log's jobs are not all there";
  EXPECT_TRUE(contains(daemon.log(), "record(s) left in its intent log")) << daemon.log();
}

TEST(DaemonJournal, AStopWhoseJournalWriteTimesOutSaysTheStopWasStarted) {
  TestDaemon daemon;  // journal.sync full: every job's first write is a commit
  daemon.start();
  auto stub = daemon.stub();
  auto child = spawn_child({"--exit-on-term"});
  Journal other(daemon.journal());
  other.exec("BEGIN EXCLUSIVE; INSERT OR REPLACE INTO meta (key, value) VALUES ('held', 'x')");

  v1::Job job;
  auto context = call_context(60s);  // the journal's busy timeout (5 s), twice at most
  const grpc::Status status = stub->Stop(context.get(), stop_pid(child.pid(), 5.0), &job);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << describe(status);
  const std::string& message = status.error_message();
  EXPECT_TRUE(child.wait_exit(10s).has_value()) << "the process was not signalled";
  const auto id_at = message.find("job j-");
  ASSERT_NE(id_at, std::string::npos) << message;
  const std::string id = message.substr(id_at + 4, message.find(':', id_at) - id_at - 4);
  EXPECT_TRUE(contains(message, "job " + id +
                                    ": the stop was started, but its journal record could not "
                                    "be written in time ("))
      << message;
  EXPECT_TRUE(contains(message, "database is locked")) << message;
  EXPECT_TRUE(contains(message, "meanwhile GetJob " + id + " shows the job")) << message;
  EXPECT_FALSE(contains(message, "not accepted")) << message;

  // As it says: GetJob shows the job meanwhile, and the journal has it once the lock is gone.
  v1::GetJobRequest get;
  get.set_id(id);
  v1::Job seen;
  auto get_context = call_context();
  ASSERT_TRUE(stub->GetJob(get_context.get(), get, &seen).ok());
  EXPECT_EQ(seen.target().fields().at("pid").number_value(), child.pid());
  other.exec("ROLLBACK");
  const v1::Job finished = wait_finished(*stub, id, 30s);
  EXPECT_EQ(finished.outcome().code(), "stopped") << finished.DebugString();
  ASSERT_EQ(daemon.terminate(kStartTimeout), 0);
  Journal after(daemon.journal());
  EXPECT_EQ(after.integers("SELECT count(*) FROM jobs WHERE id = '" + id + "'"),
            std::vector<std::int64_t>{1});
}

// A record the journal's tables refused is kept as a dead letter (the journal's own tests make
// them); a daemon on such a journal says so where an operator looks: ListJobs and the metric.
TEST(JournalDamage, DeadLettersAreCountedByListJobsAndTheMetric) {
  TestDaemon daemon(json{{"metrics", {{"listen", "127.0.0.1:0"}}}});
  daemon.start();
  auto stub = daemon.stub();
  v1::ListJobsResponse listed;
  auto context = call_context();
  ASSERT_TRUE(stub->ListJobs(context.get(), v1::ListJobsRequest(), &listed).ok());
  EXPECT_EQ(listed.dead_letters(), 0u);
  EXPECT_TRUE(std::regex_search(scrape(daemon.metrics_port()),
                                std::regex(R"(\nstopd_journal_dead_letters 0\n)")));
  ASSERT_EQ(daemon.terminate(kStartTimeout), 0);
  {
    Journal journal(daemon.journal());
    journal.exec(
        "INSERT INTO dead_letters (number, kept_ms, error, record) VALUES "
        "(7, 1700000000000, 'UNIQUE constraint failed: jobs.id', x'8101'), "
        "(9, 1700000000001, 'intent record of format 2', x'82')");
  }
  daemon.start();
  stub = daemon.stub();
  auto again = call_context();
  ASSERT_TRUE(stub->ListJobs(again.get(), v1::ListJobsRequest(), &listed).ok());
  EXPECT_EQ(listed.dead_letters(), 2u);
  const std::string metrics = scrape(daemon.metrics_port());
  EXPECT_TRUE(std::regex_search(metrics, std::regex(R"(\nstopd_journal_dead_letters 2\n)")))
      << metrics;
}

}  // namespace
}  // namespace stopd::e2e
