// Job values: names of states, the JSON shape, ids, and the schedule arithmetic.
#include "stopd/core/job.hpp"

#include <gtest/gtest.h>

#include <set>

#include "job_id.hpp"
#include "job_schedule.hpp"
#include "jobs_test_support.hpp"

namespace stopd::test {
namespace {

using core::Job;
using core::JobState;
using namespace std::chrono_literals;

TEST(Job, StateNamesRoundTrip) {
  for (JobState state : {JobState::pending, JobState::running, JobState::finished})
    EXPECT_EQ(core::job_state_from_string(core::to_string(state)), state);
  EXPECT_EQ(core::to_string(JobState::running), "running");
  EXPECT_FALSE(core::job_state_from_string("done"));
  EXPECT_FALSE(core::job_state_from_string(""));
}

TEST(Job, JsonHasEveryField) {
  const Job job = full_job("j-json", 1'700'000'000'123);
  const auto json = core::to_json(job);
  EXPECT_EQ(json["id"], "j-json");
  EXPECT_EQ(json["state"], "finished");
  EXPECT_EQ(json["type"], "t.sync");
  EXPECT_EQ(json["target"]["id"], "thing-1");
  EXPECT_EQ(json["options"]["note"], "ünïcödé ✓");
  EXPECT_EQ(json["mode"], "graceful");
  EXPECT_DOUBLE_EQ(json["grace_seconds"].get<double>(), 12.345);
  EXPECT_EQ(json["dry_run"], true);
  EXPECT_EQ(json["requester"], "ops-token");
  EXPECT_EQ(json["request_id"], "req-j-json");
  EXPECT_EQ(json["created"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(json["started"], "2023-11-14T22:13:20.130Z");
  EXPECT_EQ(json["finished"], "2023-11-14T22:13:40.123Z");
  EXPECT_EQ(json["deadline"], "2023-11-14T22:14:02.468Z");
  EXPECT_EQ(json["force_at"], "2023-11-14T22:13:32.475Z");
  EXPECT_EQ(json["attempts"], 3);
  EXPECT_EQ(json["resumed"], 2);
  EXPECT_EQ(json["stop_id"], "abcd1234-17");
  EXPECT_EQ(json["joined"], true);
  // The outcome is flat, as a local stop prints it.
  EXPECT_FALSE(json.contains("outcome"));
  EXPECT_EQ(json["code"], "stopped");
  EXPECT_EQ(json["forced"], true);
  EXPECT_EQ(json["details"]["exit_code"], 137);
  EXPECT_EQ(json["duration_ms"], 19'993);

  Job pending = pending_job("j-p", 0);
  pending.request.grace = std::nullopt;
  pending.force_at = std::nullopt;
  const auto p = core::to_json(pending);
  EXPECT_TRUE(p["grace_seconds"].is_null());  // unbounded
  EXPECT_TRUE(p["started"].is_null());
  EXPECT_TRUE(p["force_at"].is_null());
  for (const char* key : {"code", "message", "forced", "details", "duration_ms"})
    EXPECT_TRUE(p.contains(key) && p[key].is_null()) << key;
  pending.request.mode = sdk::Mode::immediate;
  EXPECT_FALSE(core::to_json(pending).contains("grace_seconds"));
}

TEST(JobId, IsTimeOrderedUniqueAndCarriesItsTime) {
  std::set<std::string> ids;
  std::string previous;
  for (int i = 0; i < 2000; ++i) {
    const auto created = at_ms(1'700'000'000'000 + i);
    const std::string id = core::new_job_id(created);
    ASSERT_EQ(id.size(), 28u);
    ASSERT_EQ(id.substr(0, 2), "j-");
    EXPECT_GT(id, previous);
    previous = id;
    ids.insert(id);
    EXPECT_EQ(core::job_id_time_ms(id), 1'700'000'000'000 + i);
  }
  EXPECT_EQ(ids.size(), 2000u);
  // Same millisecond: still unique (80 random bits).
  EXPECT_NE(core::new_job_id(at_ms(5)), core::new_job_id(at_ms(5)));
  EXPECT_FALSE(core::job_id_time_ms("j-short"));
  EXPECT_FALSE(core::job_id_time_ms("x-01hf3k0000000000000000000u"));
  EXPECT_FALSE(core::job_id_time_ms("j-01hf3k00000000000000000!00"));
}

TEST(JobSchedule, DefaultsFollowTheDispatcher) {
  core::DispatcherOptions options;
  options.deadline_margin = 30s;
  options.drain_deadline = 1h;
  sdk::StopRequest request = request_for("t", "a", 10);
  EXPECT_EQ(core::default_deadline(request, options), 40s);
  EXPECT_EQ(core::force_at_of(request, at_ms(1000)), at_ms(11'000));
  request.grace = std::nullopt;
  EXPECT_EQ(core::default_deadline(request, options), 1h);
  EXPECT_FALSE(core::force_at_of(request, at_ms(1000)));
  request.mode = sdk::Mode::immediate;
  EXPECT_EQ(core::default_deadline(request, options), 30s);
  EXPECT_EQ(core::force_at_of(request, at_ms(1000)), at_ms(1000));
}

TEST(JobSchedule, ResumeKeepsTheJournaledDeadlineAndWhatIsLeftOfTheGrace) {
  Job job = pending_job("j-r", 0);
  job.request.grace = 60s;
  job.force_at = at_ms(100'000);
  job.deadline = at_ms(130'000);

  auto plan = core::resume_plan(job, at_ms(70'000));  // 30 s of grace left
  EXPECT_EQ(plan.request.grace, std::chrono::milliseconds(30'000));
  EXPECT_EQ(plan.deadline, at_ms(130'000));
  EXPECT_FALSE(plan.expired);

  plan = core::resume_plan(job, at_ms(129'999));  // grace past, 1 ms of the deadline left
  EXPECT_EQ(plan.request.grace, std::chrono::milliseconds(0));
  EXPECT_EQ(plan.deadline, at_ms(130'000)) << "the time stopd was down is not given back";
  EXPECT_FALSE(plan.expired);

  plan = core::resume_plan(job, at_ms(130'000));  // the deadline itself: nothing left
  EXPECT_TRUE(plan.expired);
  plan = core::resume_plan(job, at_ms(200'000));
  EXPECT_TRUE(plan.expired);

  job.request.grace = std::nullopt;  // unbounded stays unbounded
  job.force_at = std::nullopt;
  plan = core::resume_plan(job, at_ms(70'000));
  EXPECT_FALSE(plan.request.grace);
}

}  // namespace
}  // namespace stopd::test
