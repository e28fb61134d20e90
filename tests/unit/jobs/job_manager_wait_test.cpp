// JobSubmission::wait: a job without a request_id is journaled with its end in one write when it
// ends at once; one whose caller waits for its end (Stop with wait) is journaled alone when it
// runs longer, and is never handed back by wait() before it is in the journal.
#include <gtest/gtest.h>

#include <atomic>

#include "manager_fixture.hpp"

namespace stopd::test {
namespace {

using core::Job;
using core::JobState;
using sdk::Code;
using namespace std::chrono_literals;

class WaitedJobTest : public ManagerTest {
 protected:
  // "t.instant" completes inside start(), i.e. inside submit(): the end is known before anything
  // is written.
  void start_counting_writes_with_an_instant_provider() {
    registry.add(std::make_shared<AsyncProvider>(
                     "t.instant",
                     [](const sdk::StopRequest&, std::shared_ptr<sdk::StopContext> context) {
                       context->complete(stopped("at once"));
                     }),
                 {});
    core::JournalOptions journal;
    journal.on_write = [this](std::chrono::nanoseconds) { writes.fetch_add(1); };
    start(fast_options(), {}, std::move(journal));
  }

  static core::JobSubmission waited(std::string id, std::string type) {
    core::JobSubmission out = submission(std::move(id), 10, std::move(type));
    out.wait = true;
    return out;
  }

  std::atomic<int> writes{0};
};

TEST_F(WaitedJobTest, AJobThatEndsAtOnceIsJournaledWithItsEndInOneWrite) {
  start_counting_writes_with_an_instant_provider();
  constexpr int kJobs = 20;
  for (int i = 0; i < kJobs; ++i) {
    const Job accepted = manager->submit(waited("r" + std::to_string(i), "t.instant"));
    const Job done = manager->wait(accepted, 10s);
    ASSERT_TRUE(done.is_finished());
    ASSERT_TRUE(done.outcome);
    EXPECT_EQ(done.outcome->message, "at once");
    // What wait() returned (from memory) is what the journal holds.
    const auto journaled = store->get(accepted.id);
    ASSERT_TRUE(journaled);
    EXPECT_EQ(core::to_json(*journaled), core::to_json(done));
  }
  // One write per job; a job with a request_id costs two (insert, then its end). A machine that
  // stalls the test for kStartDelay between submit and wait adds one here or there.
  EXPECT_LE(writes.load(), kJobs + kJobs / 4);
  EXPECT_EQ(manager->in_flight(), 0u);
}

TEST_F(WaitedJobTest, WithoutWaitAJobThatEndsAtOnceIsJournaledWithItsEndBeforeSubmitReturns) {
  start_counting_writes_with_an_instant_provider();
  constexpr int kJobs = 20;
  for (int i = 0; i < kJobs; ++i) {
    const Job accepted = manager->submit(submission("n" + std::to_string(i), 10, "t.instant"));
    ASSERT_TRUE(accepted.is_finished());
    const auto journaled = store->get(accepted.id);
    ASSERT_TRUE(journaled);
    EXPECT_EQ(core::to_json(*journaled), core::to_json(accepted));
  }
  EXPECT_LE(writes.load(), kJobs + kJobs / 4);
  EXPECT_EQ(manager->in_flight(), 0u);
}

TEST_F(WaitedJobTest, AJobThatRunsLongerIsJournaledWhileItRuns) {
  auto holding = std::make_shared<HoldingProvider>("t.hold");
  registry.add(holding, {});
  start();
  const Job accepted = manager->submit(waited("long", "t.hold"));
  EXPECT_FALSE(accepted.is_finished());
  // Readable at once (from memory until its first write)…
  const auto seen = manager->get(accepted.id);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->request.target["id"], "long");
  EXPECT_FALSE(seen->is_finished());
  // …and in the journal soon, unfinished, so a crash now would resume it.
  EXPECT_TRUE(eventually([&] {
    const auto journaled = store->get(accepted.id);
    return journaled && !journaled->is_finished();
  }));
  holding->release("long");
  const Job done = manager->wait(accepted, 10s);
  ASSERT_TRUE(done.is_finished());
  EXPECT_EQ(done.outcome->code, Code::stopped);
  EXPECT_EQ(core::to_json(*store->get(accepted.id)), core::to_json(done));
}

TEST_F(WaitedJobTest, WaitNeverReturnsAJobThatIsNotJournaled) {
  auto holding = std::make_shared<HoldingProvider>("t.hold");
  registry.add(holding, {});
  start();
  const Job accepted = manager->submit(waited("impatient", "t.hold"));
  // The caller gives up at once (its client went away, say) and hands the job out as it is:
  // by then it must be journaled.
  const Job as_is = manager->wait(accepted, 0ms);
  EXPECT_FALSE(as_is.is_finished());
  const auto journaled = store->get(accepted.id);
  ASSERT_TRUE(journaled);
  EXPECT_EQ(journaled->request.target["id"], "impatient");
  holding->release_all();
  EXPECT_TRUE(manager->wait(accepted, 10s).is_finished());
}

TEST_F(WaitedJobTest, AJobInFlightAtShutdownStaysInTheJournalForResume) {
  auto holding = std::make_shared<HoldingProvider>("t.hold");
  registry.add(holding, {});
  start();
  const Job accepted = manager->submit(waited("interrupted", "t.hold"));
  stop();  // the manager's end journals what is queued; the dispatcher's cancels the stop
  core::JobStore journal(dir.journal());
  const auto unfinished = journal.unfinished();
  ASSERT_EQ(unfinished.size(), 1u);
  EXPECT_EQ(unfinished[0].id, accepted.id);
  EXPECT_EQ(unfinished[0].request.target["id"], "interrupted");
}

TEST_F(WaitedJobTest, WithARequestIdTheJobIsJournaledBeforeItRuns) {
  std::atomic<bool> journaled_when_started{false};
  registry.add(std::make_shared<AsyncProvider>(
                   "t.check",
                   [&](const sdk::StopRequest&, std::shared_ptr<sdk::StopContext> context) {
                     journaled_when_started = store->find_by_request_id("key-1").has_value();
                     context->complete(stopped());
                   }),
               {});
  start();
  core::JobSubmission keyed = waited("keyed", "t.check");
  keyed.request_id = "key-1";
  const Job accepted = manager->submit(std::move(keyed));
  EXPECT_TRUE(journaled_when_started.load());
  EXPECT_TRUE(manager->wait(accepted, 10s).is_finished());
  // The key still finds the job, and a second submit with it returns that job.
  core::JobSubmission again = waited("keyed", "t.check");
  again.request_id = "key-1";
  EXPECT_EQ(manager->submit(std::move(again)).id, accepted.id);
}

}  // namespace
}  // namespace stopd::test
