// The journal's intent log (synchronous=NORMAL): the file's framing on its own, then JobStore
// over it: every read sees an appended change at once, and a daemon killed with records not yet
// in the tables loses none of them (a forked child plays the daemon and dies with _exit).
#include "intent_log.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include "jobs_test_support.hpp"
#include "stopd/jobs/job_store.hpp"

namespace stopd::test {
namespace {

namespace fs = std::filesystem;
using core::IntentLog;
using core::Job;
using core::JobState;
using core::JobStore;
using core::JournalError;
using core::JournalOptions;
using namespace std::chrono_literals;

std::string bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

TEST(IntentLog, ReadsBackWhatWasAppendedInOrder) {
  TempDir dir;
  const fs::path file = dir.path() / "log";
  {
    IntentLog log(file);
    EXPECT_TRUE(log.take_found().empty());
    log.append(7, "first");
    log.append(8, std::string(100'000, 'x'));
    log.append(9, "");
  }
  IntentLog log(file);
  EXPECT_EQ(log.torn_bytes(), 0u);
  EXPECT_TRUE(log.damage().empty());
  const auto found = log.take_found();
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].number, 7u);
  EXPECT_EQ(found[0].payload, "first");
  EXPECT_EQ(found[1].payload, std::string(100'000, 'x'));
  EXPECT_EQ(found[2].number, 9u);
  EXPECT_EQ(found[2].payload, "");
  EXPECT_EQ((fs::status(file).permissions() & fs::perms::all),
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST(IntentLog, ATornLastRecordIsCutOffAndTheNextAppendFollowsTheLastWholeOne) {
  TempDir dir;
  const fs::path file = dir.path() / "log";
  {
    IntentLog log(file);
    log.append(1, "one");
    log.append(2, "two, torn by the crash");
  }
  const std::string whole = bytes_of(file);
  write_bytes(file, whole.substr(0, whole.size() - 5));
  {
    IntentLog log(file);
    const auto found = log.take_found();
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].payload, "one");
    EXPECT_EQ(log.torn_bytes(), whole.size() - 5 - log.size());
    EXPECT_TRUE(log.damage().empty()) << "a torn tail is not damage";
    log.append(3, "three");
  }
  IntentLog log(file);
  const auto found = log.take_found();
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[1].number, 3u);
  EXPECT_EQ(found[1].payload, "three");
}

// Where each record of a log begins: [u32 size][u32 checksum][u64 number][payload].
std::vector<std::size_t> record_offsets(const std::string& bytes) {
  std::vector<std::size_t> offsets;
  for (std::size_t at = 0; at + 16 <= bytes.size();) {
    offsets.push_back(at);
    std::uint32_t size = 0;
    std::memcpy(&size, bytes.data() + at, sizeof size);
    at += 16 + size;
  }
  return offsets;
}

std::vector<std::uint64_t> numbers_of(const std::vector<IntentLog::Record>& records) {
  std::vector<std::uint64_t> numbers;
  for (const auto& record : records) numbers.push_back(record.number);
  return numbers;
}

// Five records, 1 to 5, of different sizes.
std::string five_records(const fs::path& file) {
  {
    IntentLog log(file);
    for (std::uint64_t number = 1; number <= 5; ++number)
      log.append(number, "record " + std::string(number * 10, static_cast<char>('a' + number)));
  }
  return bytes_of(file);
}

TEST(IntentLog, AFlippedByteInAMiddleRecordIsDamageAndTheRecordsAfterItAreKept) {
  TempDir dir;
  const fs::path file = dir.path() / "log";
  std::string bytes = five_records(file);
  const auto offsets = record_offsets(bytes);
  ASSERT_EQ(offsets.size(), 5u);
  bytes[offsets[2] + 16 + 3] ^= 0x20;  // in record 3's payload
  write_bytes(file, bytes);

  IntentLog log(file);
  EXPECT_EQ(numbers_of(log.take_found()), (std::vector<std::uint64_t>{1, 2, 4, 5}));
  EXPECT_EQ(log.torn_bytes(), 0u) << "damage is not a torn tail";
  ASSERT_EQ(log.damage().size(), 1u);
  const IntentLog::Damage& damage = log.damage()[0];
  EXPECT_EQ(damage.begin, offsets[2]);
  EXPECT_EQ(damage.end, offsets[3]);
  EXPECT_EQ(damage.number_before, 2u);
  EXPECT_EQ(damage.number_after, 4u);
  EXPECT_FALSE(log.search_gave_up());
  EXPECT_EQ(fs::file_size(file), bytes.size()) << "the records after the damage were cut off";
}

// A damaged size field: the frame it describes is too short, too long, longer than the file or
// absurd. The next record is found all the same, by its number and checksum.
class DamagedSizeField : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(DamagedSizeField, TheRecordsAfterItAreKept) {
  TempDir dir;
  const fs::path file = dir.path() / "log";
  std::string bytes = five_records(file);
  const auto offsets = record_offsets(bytes);
  std::uint32_t size = 0;
  std::memcpy(&size, bytes.data() + offsets[1], sizeof size);
  size ^= GetParam();
  std::memcpy(bytes.data() + offsets[1], &size, sizeof size);
  write_bytes(file, bytes);

  IntentLog log(file);
  EXPECT_EQ(numbers_of(log.take_found()), (std::vector<std::uint64_t>{1, 3, 4, 5}));
  EXPECT_EQ(log.torn_bytes(), 0u);
  ASSERT_EQ(log.damage().size(), 1u);
  EXPECT_EQ(log.damage()[0].begin, offsets[1]);
  EXPECT_EQ(log.damage()[0].end, offsets[2]);
  EXPECT_EQ(log.damage()[0].number_before, 1u);
  EXPECT_EQ(log.damage()[0].number_after, 3u);
}

INSTANTIATE_TEST_SUITE_P(IntentLog, DamagedSizeField,
                         ::testing::Values(0x1u,           // one byte too many
                                           0x10u,          // shorter
                                           0x100u,         // past the end of the file
                                           0x80000000u));  // over kMaxPayload

TEST(IntentLog, AWholeLastRecordThatFailsItsChecksumIsDamageNotATornTail) {
  TempDir dir;
  const fs::path file = dir.path() / "log";
  std::string bytes = five_records(file);
  const auto offsets = record_offsets(bytes);
  bytes[bytes.size() - 1] ^= 0x01;
  write_bytes(file, bytes);

  IntentLog log(file);
  EXPECT_EQ(numbers_of(log.take_found()), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(log.torn_bytes(), 0u);
  ASSERT_EQ(log.damage().size(), 1u);
  EXPECT_EQ(log.damage()[0].begin, offsets[4]);
  EXPECT_EQ(log.damage()[0].end, bytes.size());
  EXPECT_EQ(log.damage()[0].number_before, 4u);
  EXPECT_EQ(log.damage()[0].number_after, 0u) << "nothing whole after it";
  EXPECT_EQ(fs::file_size(file), offsets[4]) << "the next record must follow record 4";
}

TEST(IntentLog, DamageInTwoPlacesIsNamedTwice) {
  TempDir dir;
  const fs::path file = dir.path() / "log";
  std::string bytes = five_records(file);
  const auto offsets = record_offsets(bytes);
  bytes[offsets[0] + 20] ^= 0x04;  // record 1: no record before it
  bytes[offsets[3] + 9] ^= 0x04;   // record 4's number
  write_bytes(file, bytes);

  IntentLog log(file);
  EXPECT_EQ(numbers_of(log.take_found()), (std::vector<std::uint64_t>{2, 3, 5}));
  ASSERT_EQ(log.damage().size(), 2u);
  EXPECT_EQ(log.damage()[0].number_before, 0u);
  EXPECT_EQ(log.damage()[0].number_after, 2u);
  EXPECT_EQ(log.damage()[1].number_before, 3u);
  EXPECT_EQ(log.damage()[1].number_after, 5u);
}

TEST(IntentLog, TheSearchAfterDamageChecksumsNoMoreThanItsBound) {
  // After record 1, frames that look whole but for their checksum, each claiming most of the
  // file and the very next number: each costs a checksum of megabytes. Record 2, whole, follows
  // them. A search without a bound would find it; this one gives up and says so.
  TempDir dir;
  const fs::path file = dir.path() / "log";
  {
    IntentLog log(file);
    log.append(1, "one");
  }
  std::string bytes = bytes_of(file);
  const std::size_t decoys = 16;
  const std::size_t filler = (IntentLog::kMaxSearchBytes / decoys) * 2;
  const std::size_t decoys_at = bytes.size();
  bytes.append(decoys * 16 + filler, '\0');
  for (std::size_t i = 0; i < decoys; ++i) {
    char* frame = bytes.data() + decoys_at + i * 16;
    const auto size = static_cast<std::uint32_t>(bytes.size() - decoys_at - i * 16 - 16);
    const std::uint64_t number = 2;
    std::memcpy(frame, &size, sizeof size);
    std::memcpy(frame + 8, &number, sizeof number);
  }
  {
    const fs::path other = dir.path() / "other";
    IntentLog log(other);
    log.append(2, "two");
    bytes += bytes_of(other);
  }
  write_bytes(file, bytes);

  IntentLog log(file);
  EXPECT_EQ(numbers_of(log.take_found()), (std::vector<std::uint64_t>{1}));
  EXPECT_TRUE(log.search_gave_up());
  ASSERT_EQ(log.damage().size(), 1u);
  EXPECT_EQ(log.damage()[0].number_after, 0u);
  EXPECT_EQ(log.damage()[0].end, bytes.size());
}

TEST(IntentLog, AnAbsurdSizeFieldIsDamageNotAHugeAllocation) {
  TempDir dir;
  const fs::path file = dir.path() / "log";
  std::string bytes(16, '\xff');  // a size of 4 GiB - 1, a checksum, a number: nothing follows
  write_bytes(file, bytes);
  IntentLog log(file);
  EXPECT_TRUE(log.take_found().empty());
  EXPECT_EQ(log.torn_bytes(), 0u);
  ASSERT_EQ(log.damage().size(), 1u);
  EXPECT_EQ(log.damage()[0].end, 16u);
  EXPECT_EQ(fs::file_size(file), 0u);
}

TEST(IntentLog, ClearStartsTheFileOver) {
  TempDir dir;
  const fs::path file = dir.path() / "log";
  IntentLog log(file);
  log.append(1, "one");
  EXPECT_GT(fs::file_size(file), 0u);
  log.clear();
  EXPECT_EQ(fs::file_size(file), 0u);
  log.append(2, "two");
  IntentLog again(file);
  const auto found = again.take_found();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].number, 2u);
}

TEST(IntentLog, AMissingDirectoryIsNamed) {
  TempDir dir;
  try {
    IntentLog log(dir.path() / "absent" / "log");
    FAIL() << "opened a log in a missing directory";
  } catch (const JournalError& e) {
    EXPECT_NE(std::string(e.what()).find("absent/log"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
}

// ---- JobStore over the intent log ------------------------------------------------------------

JournalOptions normal(std::chrono::milliseconds apply_delay = 10ms) {
  JournalOptions options;
  options.sync_full = false;
  options.apply_delay = apply_delay;
  return options;
}

fs::path intents_of(const TempDir& dir) {
  return dir.journal().string() + "-intents";
}

Job finished(Job job) {
  job.state = JobState::finished;
  job.started = job.created + 5ms;
  job.finished = job.created + 9ms;
  job.attempts = 1;
  job.stop_id = "s-" + job.id;
  job.outcome = sdk::StopOutcome::make(sdk::Code::stopped, "done", {{"exit_code", 0}});
  return job;
}

TEST(JournalIntents, EveryReadSeesAnAppendedChangeAtOnce) {
  TempDir dir;
  JobStore store(dir.journal(), normal(1h));  // the applier never comes by on its own
  const Job a = pending_job("j-a", 1'700'000'000'000);
  const Job b = pending_job("j-b", 1'700'000'001'000);
  store.append_many({a, b}, {});
  EXPECT_GT(fs::file_size(intents_of(dir)), 0u);
  ASSERT_TRUE(store.get("j-a"));
  EXPECT_EQ(store.get("j-a")->state, JobState::pending);
  EXPECT_GT(fs::file_size(intents_of(dir)), 0u) << "a read wrote: it applied the log";
  EXPECT_EQ(sql_value(dir.journal(), "SELECT count(*) FROM jobs"), "0")
      << "a read wrote: it applied the log";

  store.append_many({}, {finished(a)});
  EXPECT_EQ(store.get("j-a")->state, JobState::finished);
  store.append_many({}, {finished(b)});
  core::JobFilter filter;
  filter.limit = 10;
  filter.states = {JobState::finished};
  EXPECT_EQ(store.list(filter).jobs.size(), 2u);
  store.append_many({pending_job("j-c", 1'700'000'002'000)}, {});
  ASSERT_EQ(store.unfinished().size(), 1u);
  EXPECT_EQ(store.unfinished()[0].id, "j-c");
}

TEST(JournalIntents, ReadsSeeAnUnappliedUpdateOfAJobAlreadyInTheTables) {
  TempDir dir;
  JobStore store(dir.journal(), normal(1h));
  const Job a = pending_job("j-a", 1'700'000'000'000);
  store.append_many({a}, {});
  store.prune_finished_before(at_ms(0));  // a direct write: applies the insert first
  ASSERT_EQ(sql_value(dir.journal(), "SELECT state FROM jobs WHERE id = 'j-a'"), "pending");
  store.append_many({}, {finished(a)});

  EXPECT_EQ(store.get("j-a")->state, JobState::finished);
  EXPECT_EQ(core::to_json(*store.get("j-a")), core::to_json(finished(a)));
  core::JobFilter filter;
  filter.limit = 10;
  filter.states = {JobState::finished};
  ASSERT_EQ(store.list(filter).jobs.size(), 1u) << "the tables' row is pending: not listed";
  EXPECT_EQ(store.list(filter).jobs[0].outcome->message, "done");
  filter.states = {JobState::pending};
  EXPECT_TRUE(store.list(filter).jobs.empty()) << "the row left the filter it no longer matches";
  EXPECT_TRUE(store.unfinished().empty());
  EXPECT_EQ(sql_value(dir.journal(), "SELECT state FROM jobs WHERE id = 'j-a'"), "pending")
      << "a read wrote";
}

// Pages follow the jobs' order whether a job is in the tables or only in the log.
TEST(JournalIntents, PagesRunThroughAppliedAndUnappliedJobsInOrder) {
  TempDir dir;
  JobStore store(dir.journal(), normal(1h));
  store.insert(pending_job("j-1", 1'700'000'001'000));
  store.insert(pending_job("j-3", 1'700'000'003'000));
  store.append_many({pending_job("j-2", 1'700'000'002'000)}, {});
  store.append_many({pending_job("j-4", 1'700'000'004'000)}, {});
  core::JobFilter filter;
  filter.limit = 1;
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    const core::JobPage got = store.list(filter);
    for (const Job& job : got.jobs) seen.push_back(job.id);
    if (got.next_after_id.empty()) break;
    filter.after_id = got.next_after_id;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"j-4", "j-3", "j-2", "j-1"}));
  std::vector<std::string> oldest_first;
  for (const Job& job : store.unfinished()) oldest_first.push_back(job.id);
  EXPECT_EQ(oldest_first, (std::vector<std::string>{"j-1", "j-2", "j-3", "j-4"}));
  EXPECT_EQ(sql_value(dir.journal(), "SELECT count(*) FROM jobs"), "2") << "a read wrote";
}

// Reads race the applier: it commits a record, then drops it from what reads lay over the
// tables. A read that begins after an append returned must see that state or a later one,
// whichever of the two it finds the record in, in every read there is.
TEST(JournalIntents, NoReadSeesAStateOlderThanOneAlreadyAcknowledged) {
  TempDir dir;
  JobStore store(dir.journal(), normal(0ms));  // the applier commits as often as it can
  Job job = pending_job("j-a", 1);
  job.request_id = "key-1";
  store.insert(job);  // a job with a request_id is inserted directly (append_many refuses it)
  std::atomic<unsigned> acknowledged{0};
  std::atomic<bool> done{false};
  std::thread writer([&] {
    Job next = job;
    for (unsigned n = 1; n <= 10000; ++n) {
      next.attempts = n;
      store.append_many({}, {next});
      acknowledged = n;
    }
    done = true;
  });
  core::JobFilter everything;
  everything.limit = 10;
  const std::vector<std::pair<std::string, std::function<unsigned()>>> reads = {
      {"find_by_request_id", [&] { return store.find_by_request_id("key-1")->attempts; }},
      {"get", [&] { return store.get("j-a")->attempts; }},
      {"list", [&] { return store.list(everything).jobs.at(0).attempts; }},
      {"unfinished", [&] { return store.unfinished().at(0).attempts; }},
  };
  std::map<std::string, unsigned> stale;
  unsigned rounds = 0;
  while (!done) {
    ++rounds;
    for (const auto& [name, read] : reads) {
      const unsigned before = acknowledged.load();
      if (read() < before) ++stale[name];
    }
  }
  writer.join();
  for (const auto& [name, count] : stale)
    ADD_FAILURE() << name << " returned a state older than acknowledged " << count << " time(s) in "
                  << rounds << " rounds";
  EXPECT_EQ(store.get("j-a")->attempts, 10000u) << rounds << " rounds";
}

TEST(JournalIntents, TheApplierWritesTheTablesWithoutAnyRead) {
  TempDir dir;
  JobStore store(dir.journal(), normal(1ms));
  store.append_many({pending_job("j-a", 1)}, {});
  // No read here (a read would apply it): the file starts over once the applier has.
  bool in_tables = false;
  for (int i = 0; i < 500 && !in_tables; ++i) {
    std::this_thread::sleep_for(10ms);
    in_tables = fs::file_size(intents_of(dir)) == 0;
  }
  EXPECT_TRUE(in_tables) << "the log was never applied";
}

TEST(JournalIntents, TheWriteMetricCountsAppendsNotTheApplier) {
  TempDir dir;
  std::atomic<int> writes{0};
  JournalOptions options = normal(1ms);
  options.on_write = [&](std::chrono::nanoseconds) { ++writes; };
  JobStore store(dir.journal(), options);
  const Job job = pending_job("j-a", 1);
  store.append_many({job}, {});
  store.append_many({}, {finished(job)});
  EXPECT_EQ(store.get("j-a")->state, JobState::finished);  // applied by now, one way or the other
  std::this_thread::sleep_for(20ms);                       // the applier had its turns
  EXPECT_EQ(writes.load(), 2);
}

TEST(JournalIntents, ADirectWriteAfterAnAppendFindsTheAppendedJob) {
  TempDir dir;
  JobStore store(dir.journal(), normal(1h));
  const Job job = pending_job("j-a", 1);
  store.append_many({job}, {});
  store.update(finished(job));  // throws "no job" if the insert were not applied before it
  EXPECT_EQ(store.get("j-a")->state, JobState::finished);
}

TEST(JournalIntents, AJobWithARequestIdIsRefusedWithoutWritingAnything) {
  TempDir dir;
  JobStore store(dir.journal(), normal());
  Job job = pending_job("j-a", 1);
  job.request_id = "key-1";
  try {
    store.append_many({job}, {});
    FAIL() << "appended a job with a request_id";
  } catch (const JournalError& e) {
    EXPECT_NE(std::string(e.what()).find("request_id"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(store.get("j-a"));
}

TEST(JournalIntents, UpdatesOfUnknownJobsAreSkipped) {
  TempDir dir;
  JobStore store(dir.journal(), normal(1h));
  store.append_many({pending_job("j-a", 1)}, {finished(pending_job("j-unknown", 2))});
  EXPECT_TRUE(store.get("j-a"));
  EXPECT_FALSE(store.get("j-unknown"));
}

// Runs `body` in a forked child, which must end with die(): the process goes without running a
// destructor, as a daemon under kill -9 would. Returns the child's exit status (0: it died).
[[noreturn]] void die() {
  ::_exit(0);
}

int in_a_process_that_dies(const std::function<void()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    try {
      body();
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(3);  // returned: the store closed in order, nothing was left to replay
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(JournalIntents, ARecordTheTablesRefuseIsKeptAsADeadLetterNotDropped) {
  TempDir dir;
  const Job a = pending_job("j-a", 1'700'000'000'000);
  {
    JobStore store(dir.journal(), normal(1h));
    store.insert(a);
    EXPECT_EQ(store.dead_letters(), 0u);
    store.append_many({a}, {});  // acknowledged, then refused by the tables: a is there already
    store.append_many({pending_job("j-b", 1'700'000'001'000)}, {});
    store.prune_finished_before(at_ms(0));  // a direct write: applies what is pending first
    EXPECT_EQ(sql_value(dir.journal(), "SELECT count(*) FROM jobs WHERE id = 'j-b'"), "1")
        << "a refused record held up the ones after it";
    EXPECT_EQ(store.dead_letters(), 1u);
  }
  EXPECT_EQ(sql_value(dir.journal(), "SELECT count(*) FROM dead_letters"), "1");
  EXPECT_EQ(sql_value(dir.journal(), "SELECT number FROM dead_letters"), "1");
  const std::string error = sql_value(dir.journal(), "SELECT error FROM dead_letters");
  EXPECT_NE(error.find("UNIQUE"), std::string::npos) << error;
  EXPECT_GT(std::stoi(sql_value(dir.journal(), "SELECT length(record) FROM dead_letters")), 100)
      << "the record is kept as written, every value of the job in it";

  JobStore reopened(dir.journal(), normal());
  EXPECT_EQ(reopened.dead_letters(), 1u) << "counted again at open";
  EXPECT_EQ(sql_value(dir.journal(), "SELECT count(*) FROM dead_letters"), "1")
      << "a dead letter is not applied again at the next open";
}

// A record as a newer stopd would write it: its format byte (intent_record.hpp) names format 2.
TEST(JournalIntents, ARecordOfANewerFormatIsKeptAsADeadLetter) {
  TempDir dir;
  { JobStore store(dir.journal(), normal()); }
  {
    IntentLog log(intents_of(dir));
    log.append(1, std::string("\x82\x01\x00", 3));
  }
  JobStore store(dir.journal(), normal());
  EXPECT_EQ(store.dead_letters(), 1u);
  const std::string error = sql_value(dir.journal(), "SELECT error FROM dead_letters");
  EXPECT_NE(error.find("format 2"), std::string::npos) << error;
  EXPECT_NE(error.find("newer stopd"), std::string::npos) << error;
}

// Records written before they carried a format byte (format 0) are still applied: a stopd that
// is upgraded with records in its log loses none of them.
TEST(JournalIntents, RecordsWithoutAFormatByteAreStillApplied) {
  TempDir dir;
  const Job a = pending_job("j-a", 1'700'000'000'000);
  ASSERT_EQ(in_a_process_that_dies([&] {
              JobStore store(dir.journal(), normal(1h));
              store.append_many({a}, {});
              store.append_many({}, {finished(a)});
              die();
            }),
            0);
  std::vector<IntentLog::Record> records;
  {
    IntentLog log(intents_of(dir));
    records = log.take_found();
    ASSERT_EQ(records.size(), 2u);
    log.clear();
    for (auto& record : records) {
      ASSERT_EQ(static_cast<unsigned char>(record.payload.at(0)), 0x81u) << "format 1's byte";
      log.append(record.number, std::string_view(record.payload).substr(1));  // as format 0
    }
  }
  JobStore store(dir.journal(), normal());
  ASSERT_TRUE(store.get("j-a"));
  EXPECT_EQ(store.get("j-a")->state, JobState::finished);
  EXPECT_EQ(store.dead_letters(), 0u);
}

TEST(JournalIntents, RecordsACrashLeftBehindAreInTheTablesAfterTheNextOpen) {
  TempDir dir;
  Job a = full_job("j-a", 1'700'000'000'000);  // every field set
  a.request_id.clear();                        // (append_many() takes none)
  Job b = pending_job("j-b", 1'700'000'001'000);
  b.request.target = {{"pid", 42}, {"note", "ünïcödé and \"quotes\""}};
  ASSERT_EQ(in_a_process_that_dies([&] {
              JobStore store(dir.journal(), normal(1h));
              store.append_many({a, b}, {});
              store.append_many({}, {finished(b)});
              die();
            }),
            0);
  ASSERT_GT(fs::file_size(intents_of(dir)), 0u) << "nothing left to replay: proves nothing";

  {
    JobStore store(dir.journal(), normal());
    EXPECT_EQ(fs::file_size(intents_of(dir)), 0u);
    const auto got_a = store.get("j-a");
    ASSERT_TRUE(got_a);
    EXPECT_EQ(core::to_json(*got_a), core::to_json(a));
    const auto got_b = store.get("j-b");
    ASSERT_TRUE(got_b);
    EXPECT_EQ(core::to_json(*got_b), core::to_json(finished(b)));
  }
  // And once only: a second open finds nothing to do and no job twice.
  JobStore store(dir.journal(), normal());
  core::JobFilter filter;
  filter.limit = 10;
  EXPECT_EQ(store.list(filter).jobs.size(), 2u);
}

TEST(JournalIntents, RecordsAlreadyAppliedAreNotAppliedAgain) {
  // A crash after the commit that applied them but before the file started over: the journal
  // notes the last record applied in the same commit, and the next open skips up to it. Had it
  // applied them again, the job deleted meanwhile would be back.
  TempDir dir;
  std::string left_behind;
  {
    JobStore store(dir.journal(), normal(1h));
    const Job job = pending_job("j-a", 1'700'000'000'000);
    store.append_many({job}, {});
    store.append_many({}, {finished(job)});
    left_behind = bytes_of(intents_of(dir));
    // Applies them (a direct write applies what is pending first), then deletes the job.
    store.prune_finished_before(at_ms(1'800'000'000'000));
    EXPECT_FALSE(store.get("j-a"));
  }
  ASSERT_FALSE(left_behind.empty());
  write_bytes(intents_of(dir), left_behind);
  JobStore store(dir.journal(), normal());
  EXPECT_FALSE(store.get("j-a")) << "a record applied twice brought a deleted job back";
  store.append_many({pending_job("j-b", 1'700'000'002'000)}, {});
  EXPECT_TRUE(store.get("j-b")) << "numbering went on below what was applied";
}

TEST(JournalIntents, AJournalWithSyncFullReplaysALogLeftByARunWithout) {
  TempDir dir;
  ASSERT_EQ(in_a_process_that_dies([&] {
              JobStore store(dir.journal(), normal(1h));
              store.append_many({pending_job("j-a", 1)}, {});
              die();
            }),
            0);
  ASSERT_TRUE(fs::exists(intents_of(dir)));
  JobStore store(dir.journal());  // sync_full
  EXPECT_TRUE(store.get("j-a"));
  EXPECT_FALSE(fs::exists(intents_of(dir))) << "sync_full keeps no intent log";
}

TEST(JournalIntents, ATornRecordIsDroppedAndTheWholeOnesKept) {
  TempDir dir;
  ASSERT_EQ(in_a_process_that_dies([&] {
              JobStore store(dir.journal(), normal(1h));
              store.append_many({pending_job("j-a", 1)}, {});
              store.append_many({pending_job("j-torn", 2)}, {});
              die();
            }),
            0);
  const std::string bytes = bytes_of(intents_of(dir));
  write_bytes(intents_of(dir), bytes.substr(0, bytes.size() - 3));
  JobStore store(dir.journal(), normal());
  EXPECT_TRUE(store.get("j-a"));
  EXPECT_FALSE(store.get("j-torn"));
}

// Three jobs, each inserted by its own record (1, 2, 3), left in the log by a crash.
std::string three_records_left_by_a_crash(const TempDir& dir) {
  EXPECT_EQ(in_a_process_that_dies([&] {
              JobStore store(dir.journal(), normal(1h));
              store.append_many({pending_job("j-a", 1)}, {});
              store.append_many({pending_job("j-b", 2)}, {});
              store.append_many({pending_job("j-c", 3)}, {});
              die();
            }),
            0);
  return bytes_of(intents_of(dir));
}

// One flipped byte in the middle record: in its payload, or in its size field.
class DamagedIntentRecord : public ::testing::TestWithParam<std::size_t> {};

TEST_P(DamagedIntentRecord, IsNamedAsDamageAndTheWholeRecordsAfterItAreApplied) {
  TempDir dir;
  std::string bytes = three_records_left_by_a_crash(dir);
  const auto offsets = record_offsets(bytes);
  ASSERT_EQ(offsets.size(), 3u);
  bytes[offsets[1] + GetParam()] ^= 0x01;
  write_bytes(intents_of(dir), bytes);

  CapturedLog log;
  {
    JobStore store(dir.journal(), log.into(normal()));
    EXPECT_TRUE(store.get("j-a"));
    EXPECT_FALSE(store.get("j-b"));
    EXPECT_TRUE(store.get("j-c")) << "the whole record after the damaged one was dropped";
  }
  const std::string text = log.text();
  EXPECT_NE(
      text.find("[error] journal " + dir.journal().string() + ": " + intents_of(dir).string() +
                " is damaged at bytes " + std::to_string(offsets[1]) + " to " +
                std::to_string(offsets[2]) + " (not a record torn by a crash"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("record 2 lost, the 1 whole record(s) after it kept"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("never acknowledged"), std::string::npos) << "called a torn tail: " << text;
}

std::string damaged_part(const ::testing::TestParamInfo<std::size_t>& param) {
  return param.param == 0 ? "SizeField" : "Payload";
}

INSTANTIATE_TEST_SUITE_P(JournalIntents, DamagedIntentRecord,
                         ::testing::Values(std::size_t{20},  // the payload
                                           std::size_t{0}),  // the size field
                         damaged_part);

TEST(JournalIntents, ADamagedLastRecordIsNamedAsDamageNotATornTail) {
  TempDir dir;
  std::string bytes = three_records_left_by_a_crash(dir);
  const auto offsets = record_offsets(bytes);
  bytes.back() ^= 0x01;  // the last record is whole: a crash did not cut it short
  write_bytes(intents_of(dir), bytes);

  CapturedLog log;
  {
    JobStore store(dir.journal(), log.into(normal()));
    EXPECT_TRUE(store.get("j-b"));
    EXPECT_FALSE(store.get("j-c"));
  }
  const std::string text = log.text();
  EXPECT_NE(text.find("[error] journal " + dir.journal().string() + ": " +
                      intents_of(dir).string() + " is damaged at bytes " +
                      std::to_string(offsets[2]) + " to " + std::to_string(bytes.size()) +
                      " (its end: not a record torn by a crash, and no whole record follows), "
                      "cut off: any record from 3 on is lost"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("never acknowledged"), std::string::npos) << text;
}

TEST(JournalIntents, DamageInRecordsAlreadyAppliedLosesNothingAndSaysSo) {
  // A crash after the commit that applied records 1 to 3 but before the file started over; then
  // record 2 is damaged. Nothing of it is missing from the tables.
  TempDir dir;
  std::string left_behind;
  {
    JobStore store(dir.journal(), normal(1h));
    store.append_many({pending_job("j-a", 1)}, {});
    store.append_many({pending_job("j-b", 2)}, {});
    store.append_many({pending_job("j-c", 3)}, {});
    left_behind = bytes_of(intents_of(dir));
    store.unfinished();  // a read applies what is pending
  }
  const auto offsets = record_offsets(left_behind);
  ASSERT_EQ(offsets.size(), 3u);
  left_behind[offsets[1] + 20] ^= 0x01;
  write_bytes(intents_of(dir), left_behind);

  CapturedLog log;
  {
    JobStore store(dir.journal(), log.into(normal()));
    EXPECT_TRUE(store.get("j-b"));
  }
  const std::string text = log.text();
  EXPECT_NE(text.find("[warning] journal " + dir.journal().string() + ": " +
                      intents_of(dir).string() + " is damaged at bytes " +
                      std::to_string(offsets[1]) + " to " + std::to_string(offsets[2]) +
                      ", but the records there were in the tables already: nothing lost"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("[error]"), std::string::npos) << text;
}

TEST(JournalIntents, ATornTailIsStillCalledSo) {
  TempDir dir;
  const std::string bytes = three_records_left_by_a_crash(dir);
  write_bytes(intents_of(dir), bytes.substr(0, bytes.size() - 3));
  CapturedLog log;
  {
    JobStore store(dir.journal(), log.into(normal()));
    EXPECT_TRUE(store.get("j-b"));
    EXPECT_FALSE(store.get("j-c"));
  }
  const std::string text = log.text();
  EXPECT_NE(text.find("[warning] journal " + dir.journal().string() + ": cut " +
                      std::to_string(bytes.size() - 3 - record_offsets(bytes)[2]) +
                      " byte(s) off the end of " + intents_of(dir).string() +
                      " (a record torn by a crash, never acknowledged)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("damaged"), std::string::npos) << text;
}

TEST(JournalIntents, TheLogStaysBoundedWhenTheApplierFallsBehind) {
  TempDir dir;
  JobStore store(dir.journal(), normal(1h));  // the applier never comes by on its own
  store.append_many({pending_job("j-00000", 1)}, {});
  const auto one_record = fs::file_size(intents_of(dir));
  constexpr int kAppends = 5000;  // more than the journal keeps pending before it applies itself
  for (int i = 1; i < kAppends; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "j-%05d", i);
    store.append_many({pending_job(id, 1)}, {});
  }
  EXPECT_LT(fs::file_size(intents_of(dir)), one_record * (kAppends - 500))
      << "the appends never applied what was pending";
  EXPECT_EQ(store.unfinished().size(), static_cast<std::size_t>(kAppends));
}

TEST(JournalIntents, ConcurrentAppendsAndReadsLoseNothing) {
  TempDir dir;
  JobStore store(dir.journal(), normal(2ms));
  constexpr int kThreads = 4;
  constexpr int kEach = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const Job job =
            pending_job("j-" + std::to_string(t) + "-" + std::to_string(i), 1'700'000'000'000 + i);
        store.append_many({job}, {});
        if (i % 3 == 0) store.append_many({}, {finished(job)});
        if (i % 50 == 0) {
          const auto seen = store.get(job.id);
          if (!seen) ADD_FAILURE() << job.id << " missing right after its append";
        }
      }
    });
  for (auto& thread : threads) thread.join();
  core::JobFilter filter;
  filter.limit = core::kMaxListLimit;
  filter.states = {JobState::finished};
  EXPECT_EQ(store.list(filter).jobs.size(), static_cast<std::size_t>(kThreads * kEach / 3));
  EXPECT_EQ(store.unfinished().size(), static_cast<std::size_t>(kThreads * kEach * 2 / 3));
}

}  // namespace
}  // namespace stopd::test
