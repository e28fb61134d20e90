// JobSubmission::wait: a job without a request_id is journaled with its end in one write when it
// ends at once; one whose caller waits for its end (Stop with wait) is journaled alone when it
// runs longer, and is never handed back by wait() before it is in the journal.
#include <gtest/gtest.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

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

// Another process that takes the journal's write lock when told to and holds it until told
// again, as `sqlite3 journal.db` does inside a transaction. Forked before the test starts any
// thread; told through a pipe, and answers once it holds (or let go of) the lock.
class OtherProcess {
 public:
  explicit OtherProcess(const std::filesystem::path& journal) {
    int to_child[2];
    int from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(to_child[1]);
      ::close(from_child[0]);
      ::_exit(serve(journal, to_child[0], from_child[1]));
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    commands_ = to_child[1];
    answers_ = from_child[0];
  }
  ~OtherProcess() {
    ::close(commands_);  // it exits at the end of its commands
    ::close(answers_);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  OtherProcess(const OtherProcess&) = delete;
  OtherProcess& operator=(const OtherProcess&) = delete;

  void lock() { tell('l'); }
  void unlock() { tell('u'); }

 private:
  void tell(char command) {
    ASSERT_EQ(::write(commands_, &command, 1), 1);
    pollfd answer{answers_, POLLIN, 0};
    ASSERT_EQ(::poll(&answer, 1, 10'000), 1) << "the other process did not answer";
    char got = 0;
    ASSERT_EQ(::read(answers_, &got, 1), 1) << "the other process failed";
    ASSERT_EQ(got, command);
  }

  static int serve(const std::filesystem::path& journal, int commands, int answers) {
    sqlite3* db = nullptr;
    char command = 0;
    while (::read(commands, &command, 1) == 1) {
      if (db == nullptr) {
        if (sqlite3_open(journal.c_str(), &db) != SQLITE_OK) return 1;
        // The manager's own threads (its start-up writes, the WAL checkpointer) may hold the
        // journal for a moment; without a busy timeout BEGIN EXCLUSIVE would fail at once.
        sqlite3_busy_timeout(db, 10'000);
      }
      const char* sql = command == 'l'
                            ? "BEGIN EXCLUSIVE; INSERT OR REPLACE INTO meta (key, value) VALUES "
                              "('held by', 'a test')"
                            : "ROLLBACK";
      if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return 2;
      if (::write(answers, &command, 1) != 1) return 3;
    }
    sqlite3_close(db);
    return 0;
  }

  pid_t pid_ = -1;
  int commands_ = -1;
  int answers_ = -1;
};

TEST_F(WaitedJobTest, AStopWhoseJournalWriteTimesOutSaysItWasStarted) {
  // A Stop without a request_id goes to the provider before its first journal write. When that
  // write cannot be made (another process holds the journal's write lock), the caller must hear
  // that the stop runs and that its record is late, not that it was refused.
  OtherProcess other(dir.journal());
  auto holding = std::make_shared<HoldingProvider>("t.hold");
  registry.add(holding, {});
  core::JournalOptions journal;  // sync_full: every write a commit, which the lock holds up
  journal.busy_timeout = 200ms;
  start(fast_options(), {}, std::move(journal));
  other.lock();

  std::string message;
  try {
    manager->submit(submission("locked-out", 10, "t.hold"));
    ADD_FAILURE() << "accepted, though the journal could not be written";
  } catch (const sdk::StopError& e) {
    EXPECT_EQ(e.code(), Code::deadline_exceeded) << e.what();
    message = e.what();
  }
  EXPECT_EQ(holding->calls.load(), 1) << "the provider has the stop";
  const auto id_at = message.find("job j-");
  ASSERT_NE(id_at, std::string::npos) << message;
  const std::string id = message.substr(id_at + 4, message.find(':', id_at) - id_at - 4);
  EXPECT_NE(message.find("job " + id +
                         ": the stop was started, but its journal record could not "
                         "be written in time ("),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("database is locked"), std::string::npos) << message;
  EXPECT_NE(
      message.find("stopd retries the write every 1 s; meanwhile GetJob " + id + " shows the job"),
      std::string::npos)
      << message;
  EXPECT_EQ(message.find("not accepted"), std::string::npos) << message;
  // As the message says: the job is there meanwhile, and in the journal once the lock is gone.
  const auto meanwhile = manager->get(id);
  ASSERT_TRUE(meanwhile);
  EXPECT_EQ(meanwhile->request.target["id"], "locked-out");
  EXPECT_FALSE(store->get(id));
  other.unlock();
  EXPECT_TRUE(eventually([&] { return store->get(id).has_value(); }));
  holding->release_all();
  EXPECT_TRUE(manager->wait(id, 10s).is_finished());
}

TEST_F(WaitedJobTest, WithSyncNormalAStopIsAcceptedWhileAnotherProcessHoldsTheTables) {
  // The job's record goes to the intent log, which no lock holds up; only reading the job back
  // (which applies the log to the tables first) cannot be done. The job was accepted all the same.
  OtherProcess other(dir.journal());
  auto holding = std::make_shared<HoldingProvider>("t.hold");
  registry.add(holding, {});
  core::JournalOptions journal = normal_journal();
  journal.busy_timeout = 200ms;
  start(fast_options(), {}, std::move(journal));
  other.lock();

  const Job accepted = manager->submit(submission("held-up", 10, "t.hold"));
  EXPECT_TRUE(accepted.id.starts_with("j-"));
  EXPECT_FALSE(accepted.is_finished());
  EXPECT_EQ(holding->calls.load(), 1);
  other.unlock();
  EXPECT_TRUE(eventually([&] { return store->get(accepted.id).has_value(); }));
  holding->release_all();
  EXPECT_TRUE(manager->wait(accepted, 10s).is_finished());
}

}  // namespace
}  // namespace stopd::test
