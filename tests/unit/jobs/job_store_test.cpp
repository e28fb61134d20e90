// The journal on real SQLite files in temporary directories.
#include "stopd/jobs/job_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>

#include "job_id.hpp"
#include "job_time.hpp"
#include "jobs_test_support.hpp"
#include "journal_schema.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::test {
namespace {

using core::Job;
using core::JobFilter;
using core::JobState;
using core::JobStore;
using core::JournalError;
using core::JournalOptions;
using namespace std::chrono_literals;

void expect_same(const Job& a, const Job& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.request.type, b.request.type);
  EXPECT_EQ(a.request.target, b.request.target);
  EXPECT_EQ(a.request.options, b.request.options);
  EXPECT_EQ(a.request.mode, b.request.mode);
  EXPECT_EQ(a.request.grace, b.request.grace);
  EXPECT_EQ(a.request.dry_run, b.request.dry_run);
  EXPECT_EQ(a.requester, b.requester);
  EXPECT_EQ(a.request_id, b.request_id);
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.started, b.started);
  EXPECT_EQ(a.finished, b.finished);
  EXPECT_EQ(a.deadline, b.deadline);
  EXPECT_EQ(a.force_at, b.force_at);
  EXPECT_EQ(a.attempts, b.attempts);
  EXPECT_EQ(a.resumed, b.resumed);
  EXPECT_EQ(a.stop_id, b.stop_id);
  EXPECT_EQ(a.joined, b.joined);
  ASSERT_EQ(a.outcome.has_value(), b.outcome.has_value());
  if (a.outcome) {
    EXPECT_EQ(a.outcome->code, b.outcome->code);
    EXPECT_EQ(a.outcome->message, b.outcome->message);
    EXPECT_EQ(a.outcome->forced, b.outcome->forced);
    EXPECT_EQ(a.outcome->details, b.outcome->details);
  }
  EXPECT_EQ(core::to_json(a), core::to_json(b));
}

std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const JournalError& e) {
    return e.what();
  }
  return "(no JournalError)";
}

TEST(JobStore, KeepsEveryFieldOfAJob) {
  TempDir dir;
  JobStore store(dir.journal());
  const Job full = full_job(core::new_job_id(at_ms(1'700'000'000'123)));
  store.insert(full);

  Job unbounded = pending_job("j-unbounded", 1'700'000'000'200);
  unbounded.request.grace = std::nullopt;
  unbounded.force_at = std::nullopt;
  store.insert(unbounded);

  Job immediate = pending_job("j-immediate", 1'700'000'000'300);
  immediate.request.mode = sdk::Mode::immediate;
  immediate.state = JobState::running;
  immediate.started = at_ms(1'700'000'000'301);
  store.insert(immediate);

  for (const Job* job : std::initializer_list<const Job*>{&full, &unbounded, &immediate}) {
    auto back = store.get(job->id);
    ASSERT_TRUE(back) << job->id;
    expect_same(*job, *back);
  }
  EXPECT_FALSE(store.get("j-nope"));
  EXPECT_EQ(store.file(), dir.journal());
}

TEST(JobStore, StoresTimesAsMillisecondsAndTheRequestAsJsonText) {
  TempDir dir;
  const Job full = full_job("j-columns");
  {
    JobStore store(dir.journal());
    store.insert(full);
  }
  EXPECT_EQ(sql_value(dir.journal(), "SELECT created_ms FROM jobs"), "1700000000123");
  EXPECT_EQ(sql_value(dir.journal(), "SELECT json_extract(target, '$.id') FROM jobs"), "thing-1");
  EXPECT_EQ(sql_value(dir.journal(), "SELECT outcome_code || '/' || state FROM jobs"),
            "stopped/finished");
  EXPECT_EQ(sql_value(dir.journal(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(sql_value(dir.journal(), "SELECT value FROM meta WHERE key = 'schema_version'"),
            std::to_string(core::kJournalSchemaVersion));
}

TEST(JobStore, UpdateChangesWhatMayChangeAndNothingElse) {
  TempDir dir;
  JobStore store(dir.journal());
  Job job = pending_job("j-update", 1'700'000'000'000);
  store.insert(job);

  Job changed = job;
  changed.state = JobState::finished;
  changed.started = at_ms(1'700'000'000'010);
  changed.finished = at_ms(1'700'000'000'020);
  changed.deadline = at_ms(1'700'000'099'000);
  changed.force_at = at_ms(1'700'000'001'000);
  changed.attempts = 2;
  changed.resumed = 1;
  changed.stop_id = "s-1";
  changed.joined = true;
  changed.outcome = sdk::StopOutcome::make(sdk::Code::deadline_exceeded, "too slow", {{"k", 1}});
  // Not updatable: these must stay as inserted.
  Job attempt = changed;
  attempt.request.type = "t.other";
  attempt.requester = "someone-else";
  store.update(attempt);

  auto back = store.get(job.id);
  ASSERT_TRUE(back);
  expect_same(changed, *back);

  EXPECT_NE(error_of([&] { store.update(pending_job("j-missing", 1)); }).find("no job j-missing"),
            std::string::npos);
}

TEST(JobStore, UpdateManyIsOneTransactionAndSkipsUnknownIds) {
  TempDir dir;
  JobStore store(dir.journal());
  std::vector<Job> jobs;
  for (int i = 0; i < 50; ++i) {
    jobs.push_back(pending_job("j-many-" + std::to_string(i), 1'700'000'000'000 + i));
    store.insert(jobs.back());
  }
  for (Job& job : jobs) job.state = JobState::running;
  jobs.push_back(pending_job("j-not-there", 5));
  EXPECT_EQ(store.update_many(jobs), 50u);
  JobFilter running;
  running.states = {JobState::running};
  running.limit = 1000;
  EXPECT_EQ(store.list(running).jobs.size(), 50u);
  EXPECT_EQ(store.update_many({}), 0u);
}

TEST(JobStore, RefusesADuplicateIdOrRequestIdButNotManyEmptyRequestIds) {
  TempDir dir;
  JobStore store(dir.journal());
  Job first = pending_job("j-dup", 1'700'000'000'000);
  first.request_id = "key-1";
  store.insert(first);

  Job same_id = pending_job("j-dup", 1'700'000'000'001);
  EXPECT_NE(error_of([&] { store.insert(same_id); }).find("exists already"), std::string::npos);
  Job same_key = pending_job("j-other", 1'700'000'000'002);
  same_key.request_id = "key-1";
  EXPECT_NE(error_of([&] { store.insert(same_key); }).find("exists already"), std::string::npos);

  for (int i = 0; i < 3; ++i) store.insert(pending_job("j-nokey-" + std::to_string(i), i));
  auto found = store.find_by_request_id("key-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "j-dup");
  EXPECT_FALSE(store.find_by_request_id("key-2"));
  EXPECT_FALSE(store.find_by_request_id(""));
}

TEST(JobStore, ListsNewestFirstWithFiltersAndPaging) {
  TempDir dir;
  JobStore store(dir.journal());
  const std::int64_t base = 1'700'000'000'000;
  for (int i = 0; i < 25; ++i) {
    Job job = pending_job(core::new_job_id(at_ms(base + i * 1000)), base + i * 1000,
                          i % 2 == 0 ? "t.even" : "t.odd");
    job.state = i % 3 == 0   ? JobState::finished
                : i % 3 == 1 ? JobState::running
                             : JobState::pending;
    store.insert(job);
  }
  // Two jobs created in the same millisecond still page apart (by id).
  store.insert(pending_job("j-same-ms-a", base + 24'000, "t.even"));
  store.insert(pending_job("j-same-ms-b", base + 24'000, "t.even"));

  JobFilter all;
  all.limit = 10;
  std::vector<std::string> seen;
  std::vector<Job::Time> created;
  for (int page_number = 0;; ++page_number) {
    auto page = store.list(all);
    ASSERT_LE(page.jobs.size(), 10u);
    for (const Job& job : page.jobs) {
      seen.push_back(job.id);
      created.push_back(job.created);
    }
    if (page.next_after_id.empty()) break;
    EXPECT_EQ(page.next_after_id, page.jobs.back().id);
    all.after_id = page.next_after_id;
    ASSERT_LT(page_number, 5);
  }
  EXPECT_EQ(seen.size(), 27u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 27u);
  EXPECT_TRUE(std::is_sorted(created.rbegin(), created.rend()));  // newest first
  EXPECT_EQ(seen[0], "j-same-ms-b");
  EXPECT_EQ(seen[1], "j-same-ms-a");

  JobFilter odd_running;
  odd_running.type = "t.odd";
  odd_running.states = {JobState::running, JobState::running};
  for (const Job& job : store.list(odd_running).jobs) {
    EXPECT_EQ(job.request.type, "t.odd");
    EXPECT_EQ(job.state, JobState::running);
  }
  EXPECT_EQ(store.list(odd_running).jobs.size(), 4u);  // i = 1, 7, 13, 19

  JobFilter window;
  window.created_after = at_ms(base + 4'000);
  window.created_before = at_ms(base + 9'000);
  auto in_window = store.list(window).jobs;
  ASSERT_EQ(in_window.size(), 4u);  // 5, 6, 7, 8 s
  EXPECT_EQ(in_window.front().created, at_ms(base + 8'000));

  JobFilter unfinished_even;
  unfinished_even.type = "t.even";
  unfinished_even.states = {JobState::pending, JobState::running};
  for (const Job& job : store.list(unfinished_even).jobs) EXPECT_FALSE(job.is_finished());

  JobFilter one;
  one.limit = 0;  // clamped to 1
  EXPECT_EQ(store.list(one).jobs.size(), 1u);
  EXPECT_FALSE(store.list(one).next_after_id.empty());
}

// Times are kept in whole milliseconds (rounded down); a bound is not. A job created earlier in
// the same millisecond as `created_before` is before it, and one created at exactly that instant
// is not. (DaemonJobs.ListFiltersByStateTypeAndTimeAndPages met the first case in CI.)
TEST(JobStore, CreatedBeforeAMomentInsideAMillisecondKeepsTheJobsOfThatMillisecond) {
  TempDir dir;
  JobStore store(dir.journal());
  store.insert(pending_job("j-a", 1'700'000'000'229));
  JobFilter filter;
  filter.limit = 10;
  filter.created_before = at_ms(1'700'000'000'229) + std::chrono::microseconds(950);
  EXPECT_EQ(store.list(filter).jobs.size(), 1u);
  filter.created_before = at_ms(1'700'000'000'229);
  EXPECT_TRUE(store.list(filter).jobs.empty());
  filter.created_before.reset();
  filter.created_after = at_ms(1'700'000'000'229) + std::chrono::microseconds(950);
  EXPECT_TRUE(store.list(filter).jobs.empty()) << "created_after the same bound: not both";
}

TEST(JobStore, ClampsTheLimitTo1000) {
  TempDir dir;
  JournalOptions fast;
  fast.sync_full = false;
  JobStore store(dir.journal(), fast);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 260; ++i)
        store.insert(pending_job("j-" + std::to_string(t) + "-" + std::to_string(i), i));
    });
  for (auto& thread : threads) thread.join();
  JobFilter many;
  many.limit = 100'000;
  auto page = store.list(many);
  EXPECT_EQ(page.jobs.size(), core::kMaxListLimit);
  EXPECT_FALSE(page.next_after_id.empty());
}

TEST(JobStore, ACursorOutlivesItsJobAndABadOneIsRefused) {
  TempDir dir;
  JobStore store(dir.journal());
  const std::int64_t base = 1'700'000'000'000;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    Job job = pending_job(core::new_job_id(at_ms(base + i * 1000)), base + i * 1000);
    job.state = JobState::finished;
    job.finished = at_ms(base + i * 1000 + 1);
    job.outcome = sdk::StopOutcome::make(sdk::Code::stopped, "ok");
    store.insert(job);
    ids.push_back(job.id);
  }
  // The page ended at ids[3]; ids[3] and ids[4] are pruned before the next page is asked for.
  EXPECT_EQ(store.prune_finished_before(at_ms(base + 2'500)), 3u);  // ids 0, 1, 2
  JobFilter after;
  after.after_id = ids[3];
  EXPECT_TRUE(store.list(after).jobs.empty());  // everything before it is gone

  Job later = pending_job("j-later", base + 10'000);
  store.insert(later);
  after.after_id = ids[0];  // pruned: its id still says when it was created
  EXPECT_TRUE(store.list(after).jobs.empty());
  after.after_id = "j-later";
  auto page = store.list(after);
  ASSERT_EQ(page.jobs.size(), 2u);
  EXPECT_EQ(page.jobs[0].id, ids[4]);

  after.after_id = "not-a-job";
  try {
    store.list(after);
    ADD_FAILURE() << "expected StopError";
  } catch (const sdk::StopError& e) {
    EXPECT_EQ(e.code(), sdk::Code::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("after_id"), std::string::npos);
  }
}

TEST(JobStore, ListsUnfinishedJobsOldestFirst) {
  TempDir dir;
  JobStore store(dir.journal());
  store.insert(pending_job("j-c", 3000));
  Job running = pending_job("j-a", 1000);
  running.state = JobState::running;
  store.insert(running);
  Job done = full_job("j-b", 2000);
  store.insert(done);
  store.insert(pending_job("j-d", 4000));
  auto unfinished = store.unfinished();
  ASSERT_EQ(unfinished.size(), 3u);
  EXPECT_EQ(unfinished[0].id, "j-a");
  EXPECT_EQ(unfinished[1].id, "j-c");
  EXPECT_EQ(unfinished[2].id, "j-d");
}

TEST(JobStore, AJobInsertedIsThereAfterReopening) {
  TempDir dir;
  const Job job = full_job("j-durable");
  {
    JobStore store(dir.journal());
    store.insert(job);
    Job changed = job;
    changed.resumed = 7;
    store.update(changed);
  }
  JobStore reopened(dir.journal());
  auto back = reopened.get("j-durable");
  ASSERT_TRUE(back);
  Job expected = job;
  expected.resumed = 7;
  expect_same(expected, *back);
}

TEST(JobStore, ASecondStoreOnAnOpenJournalFailsClearly) {
  TempDir dir;
  auto first = std::make_unique<JobStore>(dir.journal());
  first->insert(pending_job("j-1", 1));
  const std::string message = error_of([&] { JobStore second(dir.journal()); });
  EXPECT_NE(message.find(dir.journal().string()), std::string::npos) << message;
  EXPECT_NE(message.find("in use by another stopd"), std::string::npos) << message;
  EXPECT_NE(message.find("pid " + std::to_string(::getpid())), std::string::npos) << message;
  // The failed attempt disturbed nothing: the first store still writes and reads.
  first->insert(pending_job("j-2", 2));
  EXPECT_TRUE(first->get("j-1"));
  first.reset();
  JobStore after(dir.journal());  // free again
  EXPECT_TRUE(after.get("j-2"));
}

TEST(JobStore, AMissingDirectoryIsNamed) {
  TempDir dir;
  const auto file = dir.path() / "no" / "such" / "journal.db";
  const std::string message = error_of([&] { JobStore store(file); });
  EXPECT_NE(
      message.find("the directory " + (dir.path() / "no" / "such").string() + " does not exist"),
      std::string::npos)
      << message;
}

TEST(JobStore, RefusesAFileThatIsNotADatabase) {
  TempDir dir;
  {
    std::ofstream out(dir.journal(), std::ios::binary);
    for (int i = 0; i < 4096; ++i) out.put(static_cast<char>((i * 7919) & 0xff));
  }
  const std::string message = error_of([&] { JobStore store(dir.journal()); });
  EXPECT_NE(message.find(dir.journal().string()), std::string::npos) << message;
  EXPECT_NE(message.find("not a stopd journal"), std::string::npos) << message;
}

TEST(JobStore, RefusesAnotherApplicationsDatabase) {
  TempDir dir;
  sql_value(dir.journal(), "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
  const std::string message = error_of([&] { JobStore store(dir.journal()); });
  EXPECT_NE(message.find("not a stopd journal"), std::string::npos) << message;
  // Untouched.
  EXPECT_EQ(sql_value(dir.journal(), "SELECT count(*) FROM sqlite_schema WHERE name = 'jobs'"),
            "0");
}

TEST(JobStore, CountsTheUnfinishedJobsOfEachStartAfterAnUncleanEndAndForgetsThemAfterACleanOne) {
  TempDir dir;
  // What a stopd that dies leaves: its session in meta (no JobStore destructor ran).
  const auto die = [&] {
    sql_value(dir.journal(), "INSERT INTO meta (key, value) VALUES ('session', 'pid 1 since 0')");
  };
  {
    JobStore store(dir.journal());
    EXPECT_TRUE(store.interruptions().empty()) << "a new journal";
    store.insert(pending_job("j-poison", 1'700'000'000'000));
    store.insert(pending_job("j-other", 1'700'000'001'000));
    Job done = pending_job("j-done", 1'700'000'002'000);
    done.state = JobState::finished;
    done.outcome = sdk::StopOutcome::make(sdk::Code::stopped, "gone");
    store.insert(done);
  }
  EXPECT_EQ(sql_value(dir.journal(), "SELECT count(*) FROM meta WHERE key = 'session'"), "0")
      << "a clean close takes its session out";
  die();
  {
    JobStore store(dir.journal());
    const auto& counts = store.interruptions();
    EXPECT_EQ(counts.size(), 2u) << "the finished job was not in flight";
    EXPECT_EQ(counts.at("j-poison"), 1u);
    EXPECT_EQ(counts.at("j-other"), 1u);
    Job other = *store.get("j-other");
    other.state = JobState::finished;
    other.outcome = sdk::StopOutcome::make(sdk::Code::stopped, "gone");
    store.update(other);
  }
  die();
  {
    JobStore store(dir.journal());
    EXPECT_EQ(store.interruptions().size(), 1u) << "a job that finished meanwhile is forgotten";
    EXPECT_EQ(store.interruptions().at("j-poison"), 2u) << "two unclean ends in a row";
  }
  {
    JobStore store(dir.journal());  // after a clean close: every count starts over
    EXPECT_TRUE(store.interruptions().empty());
  }
  EXPECT_EQ(sql_value(dir.journal(), "SELECT count(*) FROM interruptions"), "0");
}

TEST(JobStore, RefusesAJournalOfANewerSchema) {
  TempDir dir;
  { JobStore store(dir.journal()); }
  const std::string newer = std::to_string(core::kJournalSchemaVersion + 1);
  sql_value(dir.journal(), "UPDATE meta SET value = '" + newer + "' WHERE key = 'schema_version'");
  const std::string message = error_of([&] { JobStore store(dir.journal()); });
  EXPECT_NE(message.find("newer stopd (schema version " + newer), std::string::npos) << message;
}

TEST(JobStore, UpgradesAVersion1JournalAndKeepsItsJobs) {
  TempDir dir;
  {
    JobStore store(dir.journal());
    store.insert(full_job("j-old"));
  }
  // What a stopd before batches left behind: schema version 1, no batches table.
  sql_value(dir.journal(), "DROP TABLE batches");
  sql_value(dir.journal(), "DROP TABLE interruptions");
  sql_value(dir.journal(), "DROP TABLE dead_letters");
  sql_value(dir.journal(), "DROP TABLE schedules");
  sql_value(dir.journal(), "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  {
    JobStore store(dir.journal());
    EXPECT_TRUE(store.get("j-old").has_value());
  }
  EXPECT_EQ(sql_value(dir.journal(), "SELECT value FROM meta WHERE key = 'schema_version'"),
            std::to_string(core::kJournalSchemaVersion));
  EXPECT_EQ(sql_value(dir.journal(), "SELECT count(*) FROM sqlite_schema WHERE name = 'batches'"),
            "1");
  EXPECT_EQ(
      sql_value(dir.journal(), "SELECT count(*) FROM sqlite_schema WHERE name = 'interruptions'"),
      "1");
  EXPECT_EQ(
      sql_value(dir.journal(), "SELECT count(*) FROM sqlite_schema WHERE name = 'dead_letters'"),
      "1");
}

TEST(JobStore, UpgradesAVersion2JournalToLeanerIndexesAndKeepsItsJobs) {
  TempDir dir;
  {  // What a stopd of schema version 2 wrote, built from its own schema steps.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir.journal().c_str(), &db), SQLITE_OK);
    std::string script = "PRAGMA journal_mode = WAL; PRAGMA application_id = " +
                         std::to_string(core::kJournalApplicationId) + ";";
    script += core::kJournalSchemaSteps[0];
    script += core::kJournalSchemaSteps[1];
    script +=
        "INSERT INTO meta (key, value) VALUES ('application', 'stopd-journal'), "
        "('schema_version', '2');"
        "INSERT INTO jobs (id, state, type, target, options, mode, grace_ms, dry_run, requester, "
        "request_id, created_ms, finished_ms, deadline_ms, outcome_code, outcome_message) VALUES "
        "('j-done', 'finished', 'local.process', '{\"pid\":1}', '{}', 'graceful', 10000, 0, "
        "'alice', 'key-1', 1700000000000, 1700000000500, 1700000060000, 'stopped', 'gone'), "
        "('j-open', 'running', 'local.process', '{\"pid\":2}', '{}', 'graceful', 10000, 0, "
        "'alice', NULL, 1700000001000, NULL, 1700000061000, NULL, NULL);";
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db, script.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
    sqlite3_close(db);
  }
  const auto seq_of = [&](const std::string& id) {
    return sql_value(dir.journal(), "SELECT seq FROM jobs WHERE id = '" + id + "'");
  };
  const std::string done_seq = seq_of("j-done");
  const std::string open_seq = seq_of("j-open");
  {
    JobStore store(dir.journal());
    const auto done = store.get("j-done");
    ASSERT_TRUE(done);
    EXPECT_EQ(done->state, JobState::finished);
    EXPECT_EQ(done->request.target, nlohmann::json({{"pid", 1}}));
    ASSERT_TRUE(done->outcome);
    EXPECT_EQ(done->outcome->message, "gone");
    const auto by_key = store.find_by_request_id("key-1");
    ASSERT_TRUE(by_key);
    EXPECT_EQ(by_key->id, "j-done");
    const auto unfinished = store.unfinished();
    ASSERT_EQ(unfinished.size(), 1u);
    EXPECT_EQ(unfinished[0].id, "j-open");
    JobFilter running;
    running.states = {JobState::running};
    const auto page = store.list(running);
    ASSERT_EQ(page.jobs.size(), 1u);
    EXPECT_EQ(page.jobs[0].id, "j-open");

    // A request_id is still unique; jobs without one do not collide.
    Job again = pending_job("j-again", 1'700'000'002'000);
    again.request_id = "key-1";
    EXPECT_THROW(store.insert(again), JournalError);
    store.insert(pending_job("j-new-1", 1'700'000'003'000));
    store.insert(pending_job("j-new-2", 1'700'000'004'000));

    // The prune still finds finished jobs (now through the time index), and only those.
    EXPECT_EQ(store.prune_finished_before(at_ms(1'800'000'000'000)), 1u);
    EXPECT_FALSE(store.get("j-done"));
    EXPECT_TRUE(store.get("j-open"));
  }
  EXPECT_EQ(sql_value(dir.journal(), "SELECT value FROM meta WHERE key = 'schema_version'"),
            std::to_string(core::kJournalSchemaVersion));
  EXPECT_EQ(seq_of("j-open"), open_seq);
  EXPECT_NE(done_seq, open_seq);
  EXPECT_EQ(sql_value(dir.journal(),
                      "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE "
                      "type = 'index' AND tbl_name = 'jobs' ORDER BY name)"),
            "jobs_by_created jobs_by_request_id jobs_by_type jobs_unfinished "
            "sqlite_autoindex_jobs_1");
}

TEST(JobStore, RefusesACorruptJournal) {
  TempDir dir;
  {
    JobStore store(dir.journal());
    for (int i = 0; i < 200; ++i) store.insert(full_job("j-" + std::to_string(i)));
  }
  {
    // Overwrite everything after the header page: the schema itself is gone.
    std::fstream file(dir.journal(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4096);
    for (int i = 0; i < 64 * 1024; ++i) file.put('\x5a');
  }
  std::filesystem::remove(dir.journal().string() + "-wal");
  const std::string message = error_of([&] {
    JobStore store(dir.journal());
    store.list({});
  });
  EXPECT_NE(message.find(dir.journal().string()), std::string::npos) << message;
}

// A journal of 600 jobs, closed (its WAL checkpointed into the file), with one page of `tree`
// (a table or an index) in the middle of it overwritten. Returns that page's number.
std::int64_t journal_with_a_damaged_page(const std::filesystem::path& journal,
                                         const std::string& tree) {
  {
    JobStore store(journal);
    std::vector<Job> jobs;
    for (int i = 0; i < 600; ++i) {
      Job job = full_job("j-" + std::to_string(1000 + i), 1'700'000'000'000 + i);
      job.request_id.clear();
      jobs.push_back(std::move(job));
    }
    store.write_many(jobs, {});
  }
  const std::string leaves = "FROM dbstat WHERE name = '" + tree + "' AND pagetype = 'leaf'";
  const std::int64_t count = std::stoll(sql_value(journal, "SELECT count(*) " + leaves));
  EXPECT_GE(count, 3) << "too small to have a page in the middle";
  const std::int64_t page =
      std::stoll(sql_value(journal, "SELECT pageno " + leaves + " ORDER BY pageno LIMIT 1 OFFSET " +
                                        std::to_string(count / 2)));
  EXPECT_FALSE(std::filesystem::exists(journal.string() + "-wal")) << "not checkpointed";
  std::fstream file(journal, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp((page - 1) * 4096);
  for (int i = 0; i < 4096; ++i) file.put('\x5a');
  return page;
}

// A damaged page in the middle of a table or an index is found when the journal is opened, not
// at the first read that touches it (after jobs were resumed), and the message says what to do.
class DamagedJournal : public ::testing::TestWithParam<std::string> {};

TEST_P(DamagedJournal, IsRefusedAtOpenWithWhatToDo) {
  TempDir dir;
  const std::int64_t page = journal_with_a_damaged_page(dir.journal(), GetParam());
  const std::string message = error_of([&] { JobStore store(dir.journal()); });
  EXPECT_NE(message.find("journal " + dir.journal().string() + ": the file is damaged"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("PRAGMA quick_check: "), std::string::npos) << message;
  EXPECT_NE(message.find(std::to_string(page)), std::string::npos) << "names the page: " << message;
  EXPECT_NE(message.find("sqlite3 .dump"), std::string::npos) << message;
  EXPECT_NE(message.find(dir.journal().string() + "-intents"), std::string::npos) << message;
}

std::string tree_name(const ::testing::TestParamInfo<std::string>& param) {
  return param.param;
}

INSTANTIATE_TEST_SUITE_P(JobStore, DamagedJournal, ::testing::Values("jobs", "jobs_by_created"),
                         tree_name);

TEST(JobStore, PrunesOnlyFinishedJobsOlderThanTheCutoff) {
  TempDir dir;
  JournalOptions fast;
  fast.sync_full = false;
  JobStore store(dir.journal(), fast);
  const std::int64_t base = 1'700'000'000'000;
  std::vector<Job> old_jobs;
  for (int i = 0; i < 2'500; ++i) {  // more than one prune chunk
    Job job = full_job("j-old-" + std::to_string(i), base);
    job.request_id.clear();
    job.finished = at_ms(base + 1'000);
    old_jobs.push_back(job);
  }
  for (const Job& job : old_jobs) store.insert(job);
  Job recent = full_job("j-recent", base);
  recent.finished = at_ms(base + 100'000);
  store.insert(recent);
  Job old_unfinished = pending_job("j-old-running", base - 1'000'000);
  old_unfinished.state = JobState::running;
  store.insert(old_unfinished);

  EXPECT_EQ(store.prune_finished_before(at_ms(base + 50'000)), 2'500u);
  EXPECT_TRUE(store.get("j-recent"));
  EXPECT_TRUE(store.get("j-old-running"));
  EXPECT_FALSE(store.get("j-old-0"));
  EXPECT_EQ(store.prune_finished_before(at_ms(base + 50'000)), 0u);
}

TEST(JobStore, ReportsEveryWritesDuration) {
  TempDir dir;
  std::atomic<int> writes{0};
  std::atomic<std::int64_t> total_ns{0};
  JournalOptions options;
  options.on_write = [&](std::chrono::nanoseconds took) {
    ++writes;
    total_ns += took.count();
  };
  JobStore store(dir.journal(), options);
  store.insert(pending_job("j-1", 1));
  store.update(pending_job("j-1", 1));
  store.update_many({pending_job("j-1", 1)});
  EXPECT_EQ(writes.load(), 3);
  EXPECT_GT(total_ns.load(), 0);
}

// Latency of writes, alone and with 8 concurrent writers (group commit), with synchronous=FULL
// (the default: an fsync per commit) and NORMAL. Prints the figures; asserts only that every
// write arrived.
void measure_writes(bool sync_full) {
  TempDir dir;
  std::mutex mutex;
  std::vector<std::int64_t> latencies_us;
  JournalOptions options;
  options.sync_full = sync_full;
  options.on_write = [&](std::chrono::nanoseconds took) {
    std::lock_guard lock(mutex);
    latencies_us.push_back(took.count() / 1000);
  };
  JobStore store(dir.journal(), options);
  auto summary = [&](const char* what, std::size_t writes, std::chrono::steady_clock::duration d) {
    std::lock_guard lock(mutex);
    std::sort(latencies_us.begin(), latencies_us.end());
    const double seconds = std::chrono::duration<double>(d).count();
    std::printf(
        "[ journal  ] sync=%s %s: %zu inserts in %.3f s = %.0f/s; per insert p50 %lld us, "
        "p99 %lld us\n",
        sync_full ? "full  " : "normal", what, writes, seconds,
        static_cast<double>(writes) / seconds,
        static_cast<long long>(latencies_us[latencies_us.size() / 2]),
        static_cast<long long>(latencies_us[latencies_us.size() * 99 / 100]));
    latencies_us.clear();
  };

  constexpr int kSequential = 300;
  auto begun = std::chrono::steady_clock::now();
  for (int i = 0; i < kSequential; ++i)
    store.insert(pending_job(core::new_job_id(core::job_clock_now()), i));
  summary("1 writer ", kSequential, std::chrono::steady_clock::now() - begun);

  constexpr int kThreads = 8;
  constexpr int kEach = 150;
  begun = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i)
        store.insert(pending_job(core::new_job_id(core::job_clock_now()), i));
    });
  for (auto& thread : threads) thread.join();
  summary("8 writers", kThreads * kEach, std::chrono::steady_clock::now() - begun);

  JobFilter all;
  all.limit = 1000;
  std::size_t total = 0;
  for (;;) {
    auto page = store.list(all);
    total += page.jobs.size();
    if (page.next_after_id.empty()) break;
    all.after_id = page.next_after_id;
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kSequential + kThreads * kEach));
}

TEST(JobStore, ConcurrentWritersShareCommits) {
  measure_writes(true);
  measure_writes(false);
}

}  // namespace
}  // namespace stopd::test
