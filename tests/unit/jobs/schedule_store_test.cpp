// The journal's schedules table (issue 20): rows written durably and read back after a reopen,
// an update that keeps the creation time, deletes, the prune of finished batches, and the
// migration of a version 5 journal.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "job_time.hpp"
#include "jobs_test_support.hpp"
#include "journal_schema.hpp"
#include "stopd/jobs/job_store.hpp"

namespace stopd::test {
namespace {

using core::JobStore;
using core::ScheduleRow;

ScheduleRow api_row(const std::string& name, std::int64_t ms) {
  ScheduleRow row;
  row.name = name;
  row.origin = "api";
  row.spec = {{"cron", "0 19 * * mon-fri"}, {"tz", "Europe/Berlin"}, {"plan", "{}"}};
  row.requester = "alice";
  row.created = at_ms(ms);
  row.updated = at_ms(ms);
  return row;
}

TEST(ScheduleStore, KeepsARowAcrossAReopen) {
  TempDir dir;
  {
    JobStore store(dir.journal());
    store.put_schedule(api_row("nightly", 1'700'000'000'000));
    ScheduleRow config;
    config.name = "from-config";
    config.origin = "config";
    config.paused = true;
    config.requester = "bob";
    config.created = config.updated = at_ms(1'700'000'001'000);
    store.put_schedule(config);
  }
  JobStore store(dir.journal());
  const auto rows = store.list_schedules();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].name, "from-config");  // by name
  EXPECT_EQ(rows[0].origin, "config");
  EXPECT_TRUE(rows[0].paused);
  EXPECT_TRUE(rows[0].spec.is_null());
  EXPECT_EQ(rows[1].name, "nightly");
  EXPECT_EQ(rows[1].spec.at("tz"), "Europe/Berlin");
  EXPECT_FALSE(rows[1].paused);
  EXPECT_EQ(rows[1].requester, "alice");
  EXPECT_EQ(rows[1].created, at_ms(1'700'000'000'000));
  EXPECT_FALSE(store.get_schedule("nothing"));
}

TEST(ScheduleStore, AnUpdateReplacesEverythingButTheCreationTime) {
  TempDir dir;
  JobStore store(dir.journal());
  store.put_schedule(api_row("nightly", 1'700'000'000'000));
  ScheduleRow changed = api_row("nightly", 1'700'000'500'000);
  changed.spec["cron"] = "@daily";
  changed.paused = true;
  changed.requester = "carol";
  store.put_schedule(changed);
  const auto row = store.get_schedule("nightly");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->spec.at("cron"), "@daily");
  EXPECT_TRUE(row->paused);
  EXPECT_EQ(row->requester, "carol");
  EXPECT_EQ(row->created, at_ms(1'700'000'000'000));
  EXPECT_EQ(row->updated, at_ms(1'700'000'500'000));
  EXPECT_EQ(store.list_schedules().size(), 1u);
}

TEST(ScheduleStore, DeleteSaysWhetherThereWasOne) {
  TempDir dir;
  JobStore store(dir.journal());
  store.put_schedule(api_row("nightly", 1'700'000'000'000));
  EXPECT_TRUE(store.delete_schedule("nightly"));
  EXPECT_FALSE(store.delete_schedule("nightly"));
  EXPECT_FALSE(store.get_schedule("nightly"));
}

TEST(ScheduleStore, RefusesARowWithoutANameOrWithAnUnknownOrigin) {
  TempDir dir;
  JobStore store(dir.journal());
  EXPECT_THROW(store.put_schedule(api_row("", 1'700'000'000'000)), core::JournalError);
  ScheduleRow odd = api_row("odd", 1'700'000'000'000);
  odd.origin = "elsewhere";
  EXPECT_THROW(store.put_schedule(odd), core::JournalError);
  EXPECT_TRUE(store.list_schedules().empty());
}

TEST(ScheduleStore, DeletesOnlyFinishedBatches) {
  TempDir dir;
  JobStore store(dir.journal());
  core::BatchRow done;
  done.id = "b-done";
  done.finished = true;
  done.requester = "schedule:nightly";
  done.created = at_ms(1'700'000'000'000);
  done.finished_at = at_ms(1'700'000'001'000);
  done.spec = nlohmann::json::object();
  done.result = nlohmann::json::object();
  store.insert_batch(done);
  core::BatchRow running = done;
  running.id = "b-running";
  running.finished = false;
  running.finished_at.reset();
  running.result = nullptr;
  store.insert_batch(running);
  EXPECT_EQ(store.delete_finished_batches({"b-done", "b-running", "b-unknown"}), 1u);
  EXPECT_FALSE(store.get_batch("b-done"));
  EXPECT_TRUE(store.get_batch("b-running"));
}

// What the scheduler reads on every wake: runs by request_id prefix, newest first, with the
// summary of their result and nothing of their plan or items.
TEST(ScheduleStore, ListsRunsByRequestIdPrefixNewestFirstWithTheirSummaryOnly) {
  TempDir dir;
  JobStore store(dir.journal());
  const auto add = [&](const std::string& id, const std::string& request_id, std::int64_t ms,
                       bool finished) {
    core::BatchRow row;
    row.id = id;
    row.finished = finished;
    row.requester = "schedule:a";
    row.request_id = request_id;
    row.created = at_ms(ms);
    row.spec = {{"items", nlohmann::json::array({{{"id", "big"}}})}};
    if (finished) {
      row.finished_at = at_ms(ms + 1);
      row.result = {{"summary", {{"failed", 1}, {"succeeded", 2}}},
                    {"items", nlohmann::json::array({{{"item", "big"}}})}};
    }
    store.insert_batch(row);
  };
  add("b-1", "schedule/a/100", 1'000, true);
  add("b-2", "schedule/a/now/200", 2'000, true);
  add("b-3", "schedule/a/300", 3'000, false);
  add("b-4", "schedule/ab/100", 4'000, true);  // another schedule, whose name starts the same
  add("b-5", "schedulf", 5'000, true);         // past the prefix's range
  add("b-6", "", 6'000, true);                 // no request_id

  const auto runs = store.list_batch_runs("schedule/a/", 10);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].id, "b-3");
  EXPECT_FALSE(runs[0].finished);
  EXPECT_TRUE(runs[0].summary.is_null());
  EXPECT_EQ(runs[1].id, "b-2");
  EXPECT_EQ(runs[1].request_id, "schedule/a/now/200");
  EXPECT_TRUE(runs[1].finished);
  EXPECT_EQ(runs[1].summary, (nlohmann::json{{"failed", 1}, {"succeeded", 2}}));
  EXPECT_EQ(runs[2].id, "b-1");

  const auto every_schedule = store.list_batch_runs("schedule/", 10);
  ASSERT_EQ(every_schedule.size(), 4u);
  EXPECT_EQ(every_schedule[0].id, "b-4");
  EXPECT_EQ(store.list_batch_runs("schedule/", 2).size(), 2u);
  EXPECT_TRUE(store.list_batch_runs("schedule/none/", 10).empty());
}

TEST(ScheduleStore, UpgradesAVersion5JournalWithAnEmptyScheduleTable) {
  TempDir dir;
  {  // What a stopd of schema version 5 wrote, built from its own schema steps.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir.journal().c_str(), &db), SQLITE_OK);
    std::string script = "PRAGMA journal_mode = WAL; PRAGMA application_id = " +
                         std::to_string(core::kJournalApplicationId) + ";";
    for (int step = 0; step < 5; ++step) script += core::kJournalSchemaSteps[step];
    script +=
        "INSERT INTO meta (key, value) VALUES ('application', 'stopd-journal'), "
        "('schema_version', '5');"
        "INSERT INTO batches (id, state, requester, request_id, created_ms, spec) VALUES "
        "('b-old', 'running', 'alice', 'schedule/nightly/1700000000', 1700000000000, '{}');";
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db, script.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
    sqlite3_close(db);
  }
  {
    JobStore store(dir.journal());
    EXPECT_TRUE(store.list_schedules().empty());
    EXPECT_TRUE(store.get_batch("b-old"));  // what was there stays
    store.put_schedule(api_row("nightly", 1'700'000'000'000));
    EXPECT_TRUE(store.get_schedule("nightly"));
  }
  EXPECT_EQ(sql_value(dir.journal(), "SELECT value FROM meta WHERE key = 'schema_version'"), "6");
  EXPECT_EQ(sql_value(dir.journal(), "SELECT count(*) FROM schedules"), "1");
}

}  // namespace
}  // namespace stopd::test
