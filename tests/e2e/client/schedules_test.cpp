// `stopctl schedules` through the real daemon (issue 20): a schedule created, listed, kept across
// restarts with its pause state, run now (stopping a real process through local.process),
// deleted; config-file schedules read-only but for pause, resume and run-now; a name in the
// config and in the journal refused at start; bad input named field by field.
#include <gtest/gtest.h>

#include <optional>

#include "stopd/test/child_process.hpp"
#include "stopd/test/process_probe.hpp"
#include "test_daemon.hpp"

namespace stopd::e2e {
namespace {

using nlohmann::json;
using stopd::test::spawn_child;

std::string plan_stopping(pid_t pid) {
  return "steps:\n  - {name: sleeper, type: local.process, grace: 5, target: {pid: " +
         std::to_string(pid) + "}}\n";
}

// The schedule named `name` in `schedules list -o json`, or null.
json listed(const TestDaemon& daemon, const std::string& name) {
  const auto result = daemon.stopctl({"schedules", "list", "-o", "json"});
  EXPECT_EQ(result.exit_code, 0) << result;
  for (const auto& schedule : result.json().value("schedules", json::array()))
    if (schedule["definition"].value("name", "") == name) return schedule;
  return nullptr;
}

// A config with one schedule of its own, "cfg" (yearly; a plan stopping pid 1).
json config_with_schedule_cfg() {
  return {
      {"schedules",
       {{{"name", "cfg"},
         {"cron", "@yearly"},
         {"plan",
          {{"steps", {{{"name", "a"}, {"type", "local.process"}, {"target", {{"pid", 1}}}}}}}}}}}};
}

json shown(const TestDaemon& daemon, const std::string& name) {
  const auto result = daemon.stopctl({"schedules", "show", name, "-o", "json"});
  EXPECT_EQ(result.exit_code, 0) << result;
  return result.json();
}

TEST(ClientSchedules, CreatedListedKeptAcrossRestartsPausedResumedRunNowAndDeleted) {
  TempDir dir;
  auto sleeper = spawn_child({"--exit-on-term"});
  const std::string plan = dir.write("plan.yaml", plan_stopping(sleeper.pid()));
  std::optional<TestDaemon> daemon;
  daemon.emplace(dir);

  auto created = daemon->stopctl({"schedules", "create", "nightly", "--cron", "0 3 * * *", "--tz",
                                  "Europe/Berlin", "--plan", plan, "--jitter", "60"});
  ASSERT_EQ(created.exit_code, 0) << created;
  EXPECT_TRUE(contains(created.out, "created schedule nightly; next run: ")) << created;
  json schedule = listed(*daemon, "nightly");
  ASSERT_FALSE(schedule.is_null());
  EXPECT_EQ(schedule["origin"], "api");
  EXPECT_EQ(schedule["definition"]["tz"], "Europe/Berlin");
  EXPECT_EQ(schedule["definition"]["jitter_seconds"], "60");  // int64: a string in proto JSON
  const json next = schedule["next"];
  ASSERT_TRUE(next.is_string()) << schedule.dump();

  // A restart (kill -9: nothing is written at shutdown): it is still there, firing at the same
  // instant.
  daemon.reset();
  daemon.emplace(dir);
  schedule = listed(*daemon, "nightly");
  ASSERT_FALSE(schedule.is_null()) << "the schedule did not survive a restart";
  EXPECT_EQ(schedule["next"], next);
  const auto human = daemon->stopctl({"schedules", "list"});
  EXPECT_TRUE(contains(human.out, "nightly")) << human;
  EXPECT_TRUE(contains(human.out, "Europe/Berlin")) << human;

  // Paused, and still paused after a restart.
  auto paused = daemon->stopctl({"schedules", "pause", "nightly"});
  ASSERT_EQ(paused.exit_code, 0) << paused;
  EXPECT_TRUE(contains(paused.out, "paused schedule nightly")) << paused;
  daemon.reset();
  daemon.emplace(dir);
  schedule = shown(*daemon, "nightly");
  EXPECT_EQ(schedule["definition"]["paused"], true) << schedule.dump();
  EXPECT_FALSE(schedule.contains("next") && schedule["next"].is_string()) << schedule.dump();
  auto resumed = daemon->stopctl({"schedules", "resume", "nightly", "-o", "json"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed;
  EXPECT_EQ(resumed.json()["definition"]["paused"], false);

  // Run now: a batch of its own request_id, which stops the process.
  ASSERT_TRUE(sleeper.running());
  auto run = daemon->stopctl({"schedules", "run-now", "nightly", "-o", "json"});
  ASSERT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.json()["request_id"].get<std::string>().rfind("schedule/nightly/now/", 0), 0u)
      << run;
  const std::string batch = run.json()["id"];
  EXPECT_TRUE(test::wait_until([&] { return !sleeper.running(); }, 30s))
      << "run-now did not stop the process\n"
      << daemon->log();
  EXPECT_TRUE(test::wait_until(
      [&] {
        const json history = shown(*daemon, "nightly")["history"];
        return history.size() == 1 && history[0]["result"] == "succeeded";
      },
      30s))
      << shown(*daemon, "nightly").dump();
  const json history = shown(*daemon, "nightly")["history"];
  EXPECT_EQ(history[0]["batch_id"], batch);
  EXPECT_EQ(history[0]["now"], true);
  const auto show = daemon->stopctl({"schedules", "show", "nightly"});
  EXPECT_TRUE(contains(show.out, batch)) << show;
  EXPECT_TRUE(contains(show.out, "run-now")) << show;

  // next NAME: the daemon's calendar, previewed here.
  const auto preview = daemon->stopctl({"schedules", "next", "nightly", "--count", "1"});
  ASSERT_EQ(preview.exit_code, 0) << preview;
  EXPECT_TRUE(contains(preview.out, "next 1 of '0 3 * * *' in Europe/Berlin")) << preview;

  // Deleted: gone, and gone after a restart.
  auto deleted = daemon->stopctl({"schedules", "delete", "nightly"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted;
  EXPECT_TRUE(listed(*daemon, "nightly").is_null());
  daemon.reset();
  daemon.emplace(dir);
  EXPECT_TRUE(listed(*daemon, "nightly").is_null());
  const auto missing = daemon->stopctl({"schedules", "show", "nightly"});
  EXPECT_EQ(missing.exit_code, 10) << missing;  // NOT_FOUND
  EXPECT_TRUE(contains(missing.err, "schedule 'nightly' not found") ||
              contains(missing.err, "schedule \"nightly\" not found") ||
              contains(missing.err, "not found"))
      << missing;
}

// `schedules update` changes what it is given and keeps the rest (UpdateSchedule itself replaces
// the whole definition: stopctl reads it first); a dry run stores nothing; nothing given is a
// usage error; a config-file schedule is refused, naming the file.
TEST(ClientSchedules, UpdateChangesWhatIsGivenAndKeepsTheRest) {
  TempDir dir;
  const json from_config = config_with_schedule_cfg();
  const std::string first = dir.write("first.yaml", plan_stopping(1));
  const std::string second = dir.write("second.yaml", plan_stopping(2));
  TestDaemon daemon(dir, from_config);
  ASSERT_EQ(daemon
                .stopctl({"schedules", "create", "nightly", "--cron", "0 3 * * *", "--tz",
                          "Europe/Berlin", "--plan", first, "--jitter", "60", "--paused"})
                .exit_code,
            0);

  const auto updated = daemon.stopctl({"schedules", "update", "nightly", "--cron", "30 4 * * *"});
  ASSERT_EQ(updated.exit_code, 0) << updated;
  EXPECT_TRUE(contains(updated.out, "updated schedule nightly; next run: ")) << updated;
  json d = shown(daemon, "nightly")["definition"];
  EXPECT_EQ(d["cron"], "30 4 * * *");
  EXPECT_EQ(d["tz"], "Europe/Berlin") << d.dump();
  EXPECT_EQ(d["jitter_seconds"], "60") << d.dump();
  EXPECT_EQ(d["paused"], true) << d.dump();
  EXPECT_TRUE(contains(d.value("plan", ""), "pid: 1")) << d.dump();

  const auto dry =
      daemon.stopctl({"schedules", "update", "nightly", "--plan", second, "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry;
  EXPECT_TRUE(contains(dry.out, "dry run: schedule nightly as changed would be valid")) << dry;
  EXPECT_TRUE(contains(shown(daemon, "nightly")["definition"].value("plan", ""), "pid: 1"));

  const auto replanned = daemon.stopctl(
      {"schedules", "update", "nightly", "--plan", second, "--overlap", "replace", "-o", "json"});
  ASSERT_EQ(replanned.exit_code, 0) << replanned;
  d = replanned.json()["definition"];
  EXPECT_TRUE(contains(d.value("plan", ""), "pid: 2")) << d.dump();
  EXPECT_EQ(d["plan_source"], second);
  EXPECT_EQ(d["overlap"], "replace");
  EXPECT_EQ(d["cron"], "30 4 * * *");

  const auto nothing = daemon.stopctl({"schedules", "update", "nightly"});
  EXPECT_EQ(nothing.exit_code, 2) << nothing;
  EXPECT_TRUE(contains(nothing.err, "nothing to change")) << nothing;

  const auto config = daemon.stopctl({"schedules", "update", "cfg", "--cron", "@daily"});
  EXPECT_NE(config.exit_code, 0) << config;
  EXPECT_TRUE(contains(config.err, "is defined in the config file")) << config;
  EXPECT_EQ(shown(daemon, "cfg")["definition"]["cron"], "@yearly");
}

TEST(ClientSchedules, ADryRunValidatesAgainstTheProvidersAndStoresNothing) {
  TempDir dir;
  TestDaemon daemon(dir);
  auto sleeper = spawn_child({"--exit-on-term"});
  const std::string plan = dir.write("plan.yaml", plan_stopping(sleeper.pid()));
  const auto dry = daemon.stopctl(
      {"schedules", "create", "check", "--cron", "@daily", "--plan", plan, "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry;
  EXPECT_TRUE(contains(dry.out, "dry run: schedule check is valid; its plan expands to 1 item(s)"))
      << dry;
  EXPECT_TRUE(listed(daemon, "check").is_null()) << "a dry run stored the schedule";
  EXPECT_TRUE(sleeper.running());

  // A type the daemon has not loaded: refused by the providers, also in a dry run.
  const std::string unknown = dir.write(
      "unknown.yaml", "steps:\n  - {name: x, type: nowhere.thing, target: {id: \"1\"}}\n");
  const auto refused =
      daemon.stopctl({"schedules", "create", "x", "--cron", "@daily", "--plan", unknown});
  EXPECT_NE(refused.exit_code, 0) << refused;
  EXPECT_TRUE(contains(refused.err, "nowhere.thing")) << refused;
  EXPECT_TRUE(listed(daemon, "x").is_null());
}

TEST(ClientSchedules, BadInputIsRefusedNamingTheField) {
  TempDir dir;
  TestDaemon daemon(dir);
  const std::string plan =
      dir.write("plan.yaml", "steps:\n  - {name: a, type: local.process, target: {pid: 1}}\n");
  const std::string huge = dir.write("huge.yaml", "# " + std::string(600 * 1024, 'x') + "\n");
  const struct {
    std::vector<std::string> args;
    std::string says;
  } cases[] = {
      {{"bad", "--cron", "61 * * * *", "--plan", plan},
       "cron: minute field '61': 61 is out of range 0-59"},
      {{"bad", "--cron", "@daily", "--tz", "Europe/Nowhere", "--plan", plan},
       "tz: unknown time zone 'Europe/Nowhere'"},
      {{"../x", "--cron", "@daily", "--plan", plan}, "name: expected 1 to 64 letters"},
      {{std::string(65, 'n'), "--cron", "@daily", "--plan", plan}, "name: expected 1 to 64"},
      {{"bad", "--cron", "@daily", "--plan", plan, "--catch-up", "10"},
       "catch_up_seconds: 10: expected 30 to"},
      {{"bad", "--cron", "@daily", "--plan", plan, "--jitter", "-5"}, "jitter_seconds: -5"},
      {{"bad", "--cron", "@daily", "--plan", huge}, "plan: 614403 bytes; at most 524288"},
      {{"bad", "--cron", "@daily", "--plan", plan, "--catch-up", "soon"},
       "--catch-up: expected a whole number"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"schedules", "create"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto result = daemon.stopctl(args);
    EXPECT_NE(result.exit_code, 0) << result;
    EXPECT_TRUE(contains(result.err, c.says)) << "expected: " << c.says << "\n" << result;
  }
  const auto all = daemon.stopctl({"schedules", "list", "-o", "json"});
  EXPECT_TRUE(all.json()["schedules"].empty()) << all;

  // A second schedule of a name in use.
  ASSERT_EQ(
      daemon.stopctl({"schedules", "create", "once", "--cron", "@daily", "--plan", plan}).exit_code,
      0);
  const auto twice =
      daemon.stopctl({"schedules", "create", "once", "--cron", "@hourly", "--plan", plan});
  EXPECT_NE(twice.exit_code, 0) << twice;
  EXPECT_TRUE(contains(twice.err, "a schedule named once exists already")) << twice;
}

TEST(ClientSchedules, ConfigSchedulesMayBePausedButNotDeletedAndANameInBothStopsTheStart) {
  TempDir dir;
  const json from_config = config_with_schedule_cfg();
  const std::string plan =
      dir.write("plan.yaml", "steps:\n  - {name: a, type: local.process, target: {pid: 1}}\n");
  {
    TestDaemon daemon(dir, from_config);
    const auto deleted = daemon.stopctl({"schedules", "delete", "cfg"});
    EXPECT_NE(deleted.exit_code, 0) << deleted;
    EXPECT_TRUE(contains(deleted.err, "is defined in the config file")) << deleted;
    EXPECT_TRUE(contains(deleted.err, (dir.path() / "stopd.json").string())) << deleted;
    EXPECT_EQ(daemon.stopctl({"schedules", "pause", "cfg"}).exit_code, 0);
    EXPECT_EQ(listed(daemon, "cfg")["origin"], "config");
    // An API schedule of a name the next config will also have.
    ASSERT_EQ(daemon.stopctl({"schedules", "create", "both", "--cron", "@daily", "--plan", plan})
                  .exit_code,
              0);
  }
  {  // The pause of a config schedule outlives a restart.
    TestDaemon daemon(dir, from_config);
    EXPECT_EQ(listed(daemon, "cfg")["definition"]["paused"], true);
  }
  json clashing = from_config;
  clashing["schedules"].push_back(
      {{"name", "both"},
       {"cron", "@daily"},
       {"plan",
        {{"steps", {{{"name", "a"}, {"type", "local.process"}, {"target", {{"pid", 1}}}}}}}}});
  try {
    TestDaemon daemon(dir, clashing);
    ADD_FAILURE() << "stopd started with 'both' in its config and in its journal";
  } catch (const std::runtime_error& e) {
    const std::string log = e.what();
    EXPECT_TRUE(contains(log,
                         "schedules.both: defined in the config file and also created over "
                         "the API"))
        << log;
    EXPECT_TRUE(contains(log, "journal.db")) << log;
  }
}

// A token may create a schedule of what it may stop; the schedule is its own (other tokens do
// not see it), and its runs keep its scopes: once the token is gone, they are refused.
TEST(ClientSchedules, ATokensScheduleIsItsOwnAndRunsWithItsScopes) {
  TempDir dir;
  auto mine = spawn_child({"--exit-on-term"});
  auto other = spawn_child({"--exit-on-term"});
  const json ops = {{"name", "ops"},
                    {"token", "ops-token-0123456789abcdef0123456789"},
                    {"scopes", {{{"types", {"*"}}}}}};
  const json narrow = {
      {"name", "narrow"},
      {"token", "narrow-token-0123456789abcdef012345678"},
      {"scopes", {{{"types", {"local.process"}}, {"target", {{"pid", {mine.pid()}}}}}}}};
  const std::vector<std::string> as_narrow = {"--token", narrow["token"]};
  const std::vector<std::string> as_ops = {"--token", ops["token"]};
  const auto with = [](std::vector<std::string> who, const std::vector<std::string>& rest) {
    who.insert(who.end(), rest.begin(), rest.end());
    return who;
  };
  const std::string mine_plan = dir.write("mine.yaml", plan_stopping(mine.pid()));
  const std::string other_plan = dir.write("other.yaml", plan_stopping(other.pid()));
  {
    TestDaemon daemon(dir, {{"auth", {{"unix_socket", "token"}, {"tokens", {ops, narrow}}}}});
    const auto outside = daemon.stopctl(
        with(as_narrow, {"schedules", "create", "s", "--cron", "@yearly", "--plan", other_plan}));
    EXPECT_EQ(outside.exit_code, 13) << outside;  // PERMISSION_DENIED
    EXPECT_TRUE(contains(outside.err, "step 'sleeper'")) << outside;
    const auto inside = daemon.stopctl(
        with(as_narrow, {"schedules", "create", "s", "--cron", "@yearly", "--plan", mine_plan}));
    ASSERT_EQ(inside.exit_code, 0) << inside;
    EXPECT_EQ(daemon.stopctl(with(as_narrow, {"schedules", "show", "s"})).exit_code, 0);
    EXPECT_EQ(daemon.stopctl(with(as_ops, {"schedules", "show", "s"})).exit_code, 10);
    const auto listed_by_ops = daemon.stopctl(with(as_ops, {"schedules", "list", "-o", "json"}));
    EXPECT_TRUE(listed_by_ops.json()["schedules"].empty()) << listed_by_ops;
  }
  // The token is gone from the config: the schedule stays, its runs are refused.
  TestDaemon daemon(dir, {{"auth", {{"unix_socket", "trusted"}, {"tokens", {ops}}}}});
  const auto run = daemon.stopctl({"schedules", "run-now", "s"});
  EXPECT_EQ(run.exit_code, 13) << run;
  EXPECT_TRUE(contains(run.err, "created by token 'narrow', which is no longer configured")) << run;
  EXPECT_TRUE(mine.running());
}

TEST(ClientSchedules, LocalHasNoSchedules) {
  TempDir dir;
  const auto result = run_stopctl({"--local", "schedules", "list"});
  EXPECT_EQ(result.exit_code, 2) << result;
  EXPECT_TRUE(contains(result.err, "schedules live in the stopd daemon")) << result;
  const auto next = run_stopctl({"--local", "schedules", "next", "nightly"});
  EXPECT_EQ(next.exit_code, 2) << next;
}

}  // namespace
}  // namespace stopd::e2e
