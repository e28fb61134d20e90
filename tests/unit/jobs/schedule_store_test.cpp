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
