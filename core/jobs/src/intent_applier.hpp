// The intent log's records between their append and the tables (sync_full false; intent_log.hpp
// says why the log exists). A record is durable once appended, but the tables, and so every
// other process reading the file, get it only when a commit takes it: the applier thread's,
// after JournalOptions::apply_delay, or any other write's, which carries the records appended
// before it first (a JournalWriter::Prelude), so the tables see every change in the order it was
// acknowledged. Until then reads lay its jobs over the tables (the unapplied jobs): a read sees
// an append at once and writes nothing itself. Also here: the replay of what a crash left in the
// log, the settling at close, and the records the tables refuse, kept as dead letters.
//
// Named for its job, getting every record into the tables; the rest is the state of a record on
// its way there. It writes only through the JournalWriter.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "intent_log.hpp"
#include "journal_writer.hpp"
#include "sqlite.hpp"
#include "stopd/jobs/job_store.hpp"

namespace stopd::core {

class IntentApplier : private JournalWriter::Prelude {
 public:
  // The job of records appended and not yet in the tables, in its latest state: what a read
  // lays over the tables, so that it sees an append at once and writes nothing itself.
  struct Unapplied {
    // Inserted: the whole job, with its later updates. Not: an update of a table row, whose
    // changes (take_changes(), intent_applier.cpp) go onto that row when read.
    Job job;
    std::uint64_t number = 0;  // the last record that carried it
    bool inserted = false;     // a pending record inserts it (not only updates a table row)
  };

  // `insert_job` and `update_job` are the journal's statements on the writer's connection, which
  // a record's rows bind into (intent_record.hpp); they and `writer` outlive this object. Counts
  // the dead letters kept so far and joins every commit of `writer`. Throws
  // sqlite::SqliteError.
  IntentApplier(JournalWriter& writer, std::string name, JournalOptions options,
                sqlite::Statement& insert_job, sqlite::Statement& update_job);
  // Stops the thread if close() did not, and leaves the writer's commits.
  ~IntentApplier() override;
  IntentApplier(const IntentApplier&) = delete;
  IntentApplier& operator=(const IntentApplier&) = delete;

  // At open, before anything else is written: the records a previous run appended but did not
  // apply go into the tables. With sync_full no log is kept, but one left by a run without it is
  // replayed. Throws JournalError naming the file.
  void replay();
  // Once the journal is open: the applier thread (if a log is kept), and the dead letters
  // reported to on_dead_letters.
  void start();
  // At close: stops the thread and applies what is left, so the file starts over. A failure is
  // logged (the records stay for the next start). Later writes carry no records.
  void close();

  bool logging() const { return intents_ != nullptr; }  // append() may be called

  // One record, durable against a crash of the daemon when this returns; in the tables within
  // options.apply_delay, and seen by every read of this store at once (the unapplied jobs).
  // `inserts` and `updates` are the jobs its rows write. Throws JournalError.
  void append(std::string payload, const std::vector<Job>& inserts,
              const std::vector<Job>& updates);

  std::uint64_t dead_letters() const { return dead_letter_count_.load(); }

  // For reads (job_store.cpp says in which order they use these). A record is dropped from the
  // unapplied jobs only once its commit is visible, so a job is never in neither.
  std::optional<Unapplied> unapplied_job(std::string_view id);
  // The last record committed to the tables (and gone from the unapplied jobs).
  std::uint64_t applied_so_far();
  // unapplied_job(), and whether a commit since applied_so_far() returned `since` may have taken
  // the job out of the unapplied ones (both as of one moment).
  std::optional<Unapplied> unapplied_job(std::string_view id, std::uint64_t since,
                                         bool& committed_since);
  std::unordered_map<std::string, Unapplied> unapplied_jobs();
  // `row` as the tables have it, under its unapplied state if it has one. An update of a job the
  // tables do not have is skipped when applied, so it shows nothing here either.
  static std::optional<Job> laid_over(std::optional<Job> row, const Unapplied* newer);

 private:
  // JournalWriter::Prelude: the leader takes every pending record into its commit.
  bool take() override;
  void apply() override;
  void committed() override;
  void failed() override;

  std::uint64_t apply_intents(const std::vector<IntentLog::Record>& records);
  void keep_as_dead_letter(const IntentLog::Record& record, const std::exception& e);
  void note_committed(std::uint64_t number);
  void give_back(std::vector<IntentLog::Record>& taken);
  std::size_t pending_count();
  void settle();
  void run();
  void stop_thread();
  void report_damage(const std::filesystem::path& log_file,
                     const std::vector<IntentLog::Record>& found) const;
  void report_dead_letters(std::uint64_t count) const;
  [[noreturn]] void fail(const std::string& what, const std::exception& e) const;

  JournalWriter& writer_;
  const std::string name_;
  const JournalOptions options_;
  spdlog::logger& log() const { return *options_.logger; }  // JobStore resolved it
  sqlite::Statement& insert_job_;
  sqlite::Statement& update_job_;
  sqlite::Statement note_applied_;
  sqlite::Statement keep_dead_letter_;
  // Rows in dead_letters: counted at open, then as commits add to them.
  std::atomic<std::uint64_t> dead_letter_count_{0};

  // The log (null with sync_full once replayed): appended records wait in `pending_` until a
  // commit takes them.
  std::unique_ptr<IntentLog> intents_;
  // The leader's, between take() and committed() or failed().
  std::vector<IntentLog::Record> taken_;
  std::uint64_t refused_ = 0;

  std::mutex mutex_;
  std::vector<IntentLog::Record> pending_;
  std::unordered_map<std::string, Unapplied> unapplied_;
  std::uint64_t appended_ = 0;  // the last record's number (numbers never repeat in one journal)
  std::uint64_t applied_ = 0;   // the last one committed to the tables
  std::condition_variable cv_;
  bool idle_ = false;  // waits for the next append, which wakes it
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace stopd::core
