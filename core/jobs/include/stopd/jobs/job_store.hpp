// The journal: every job and every change of it in SQLite (WAL mode). A write returns only when
// it is durable, so the daemon can acknowledge a job it has journaled and resume it after a crash.
// Thread-safe. Secrets never reach it: jobs hold requests and outcomes, never credentials.
//
// With sync_full false the job manager's writes go first to an append-only intent log next to
// the file ("<file>-intents", see append_many()): one write() instead of a commit each. Reads lay
// the records not yet in the tables over them, and write nothing.
//
// Concurrent writes share one transaction and one fsync (group commit): a writer that finds a
// commit in progress queues behind it and the next commit carries every queued write, each in
// its own savepoint, so one refused write (a duplicate) never fails the others. Reads use a
// second connection and never wait for a commit.
//
// One JobStore per file: it holds an exclusive flock(2) on "<file>.lock" (created next to the
// journal and left there; the kernel releases the lock when the process dies). Other tools may
// read the journal meanwhile, e.g. `sqlite3 -readonly journal.db 'SELECT * FROM jobs'`.
// Times are kept in whole milliseconds.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "stopd/core/job.hpp"

namespace spdlog {
class logger;
}

namespace stopd::core {

class JournalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct JournalOptions {
  // true: PRAGMA synchronous=FULL, a commit survives power loss. false: NORMAL, a commit survives a
  // crash of the daemon (kill -9) but the last ones may be lost if the machine itself goes down.
  bool sync_full = true;
  // sync_full false: how long records appended to the intent log wait to share one transaction
  // into the tables (see append_many()). Reads never wait for it.
  std::chrono::milliseconds apply_delay{10};
  // How long a write waits while another process holds the file's write lock (`sqlite3
  // journal.db` inside a transaction) before it fails with "database is locked".
  std::chrono::milliseconds busy_timeout{5000};
  // Called with how long each write took (metrics): from the call of insert(), update(),
  // update_many(), append_many() or one chunk of prune_finished_before() until it was durable,
  // waiting for a group commit included; on the writing thread, after the commit. Must not throw.
  std::function<void(std::chrono::nanoseconds)> on_write;
  // Called with dead_letters() at open and whenever a commit adds to it (metrics). Must not
  // throw.
  std::function<void(std::uint64_t)> on_dead_letters;
  // Where the journal logs (null: host_logger()).
  std::shared_ptr<spdlog::logger> logger;
};

inline constexpr std::size_t kMaxListLimit = 1000;

// A batch as the journal keeps it. Its items run as jobs (request_id "batch/<id>/<item>"), so
// their progress is in the jobs table; this row holds what the jobs cannot say.
struct BatchRow {
  std::string id;
  bool finished = false;
  std::string requester;
  std::string request_id;  // empty: none
  Job::Time created;
  std::optional<Job::Time> finished_at;
  nlohmann::json spec;    // the plan, the options, the expanded items: what a restart runs
  nlohmann::json result;  // null until finished: the summary and every item's record
};

// A batch as a list of runs reads it: what it is and how it ended, no plan, no items.
struct BatchRunRow {
  std::string id;
  std::string request_id;
  bool finished = false;
  nlohmann::json summary;  // the result's summary once finished (batch_summary_json), else null
};

// A schedule as the journal keeps it (issue 20). origin "api": created over the API, `spec` is
// its definition and the row is all there is of it. origin "config": a schedule of the config
// file that was paused or resumed over the API; the row keeps only that state (`spec` null).
struct ScheduleRow {
  std::string name;
  std::string origin = "api";  // "api" or "config"
  nlohmann::json spec;         // api: cron, tz, plan, plan_source, overlap, catch_up_s, …
  bool paused = false;
  std::string requester;
  Job::Time created{};  // kept by put_schedule() when the row exists already
  Job::Time updated{};
};

class JobStore {
 public:
  // Opens or creates the journal (and its schema). Throws JournalError naming the file and why
  // (missing directory, not a stopd journal, damaged (PRAGMA quick_check, with what to do), newer
  // schema, locked by another daemon (its pid), read-only…). Damage in the intent log is logged
  // and skipped (intent_log.hpp).
  JobStore(const std::filesystem::path& file, JournalOptions options = {});
  ~JobStore();
  JobStore(const JobStore&) = delete;
  JobStore& operator=(const JobStore&) = delete;

  // Throws JournalError; a duplicate id or request_id is an error.
  void insert(const Job& job);
  // Everything that may change after insert: state, times (started, finished, deadline,
  // force_at), attempts, resumed, stop_id, joined, outcome; the request, requester, request_id
  // and created never change. Throws JournalError (also for an unknown id).
  void update(const Job& job);
  // update() for many jobs in one transaction (all or none); unknown ids are skipped. Returns how
  // many rows were updated. Throws JournalError.
  std::size_t update_many(const std::vector<Job>& jobs);
  // insert() of `inserts` and update_many() of `updates` in one transaction (all or none), so a
  // job first journaled together with its end costs one durable write. Returns how many of
  // `updates` were found. Throws JournalError (also for a duplicate id or request_id).
  std::size_t write_many(const std::vector<Job>& inserts, const std::vector<Job>& updates);
  // write_many() as the job manager's hot path wants it. With sync_full false it is one record
  // appended to the journal's intent log ("<file>-intents"), one write(): durable against a
  // crash of the daemon when this returns, like a commit with synchronous=NORMAL, at a fraction
  // of its cost. The tables get it within milliseconds, in order with every other write; every
  // read of this JobStore sees it at once; the next open applies what a crash left in the log.
  // Another process reading the file sees it once applied. With sync_full it is write_many().
  // Inserts must be new jobs without a request_id (nothing the journal could refuse later);
  // updates of unknown ids are skipped. Throws JournalError (the record was not written).
  void append_many(const std::vector<Job>& inserts, const std::vector<Job>& updates);

  std::optional<Job> get(std::string_view id) const;
  std::optional<Job> find_by_request_id(std::string_view request_id) const;  // empty: nullopt
  // Newest first (created, then id). filter.limit is clamped to 1..kMaxListLimit (0 gives 1:
  // map an API's "0 = default" before calling). A page that is full and has more after it sets
  // next_after_id. An after_id whose job was pruned meanwhile still works (its id carries its
  // creation time); one that is not a job id throws sdk::StopError(invalid_argument).
  JobPage list(const JobFilter& filter) const;
  std::vector<Job> unfinished() const;  // oldest first
  // Deletes finished jobs (and batches) that finished before `cutoff`; returns how many jobs.
  std::size_t prune_finished_before(Job::Time cutoff);

  // Batches. Throws JournalError; a duplicate id or request_id is an error.
  void insert_batch(const BatchRow& batch);
  // Marks the batch finished with its result. Throws JournalError (also for an unknown id).
  void finish_batch(std::string_view id, Job::Time finished, const nlohmann::json& result);
  std::optional<BatchRow> get_batch(std::string_view id) const;
  std::optional<BatchRow> find_batch_by_request_id(std::string_view request_id) const;
  std::vector<BatchRow> unfinished_batches() const;             // oldest first
  std::vector<BatchRow> list_batches(std::size_t limit) const;  // newest first, 1..kMaxListLimit
  // The newest `limit` (1..kMaxListLimit) batches whose request_id starts with `prefix`, newest
  // first. Reads neither their specs nor their item records: it costs the same however many items
  // the batches held (the scheduler reads its runs' history with it on every wake).
  std::vector<BatchRunRow> list_batch_runs(std::string_view prefix, std::size_t limit) const;

  // Schedules (ScheduleRow). Written through the same group commit as everything else, so
  // durable on return; read on the reading connection. Throw JournalError.
  // Inserts, or replaces every field of the row named row.name but its `created`.
  void put_schedule(const ScheduleRow& row);
  bool delete_schedule(std::string_view name);  // false: there was none
  std::optional<ScheduleRow> get_schedule(std::string_view name) const;
  std::vector<ScheduleRow> list_schedules() const;  // by name
  // Deletes the batches with these ids that are finished (a running one stays); returns how
  // many. Their items' jobs stay until journal.retention_hours prunes them.
  std::size_t delete_finished_batches(const std::vector<std::string>& ids);

  const std::filesystem::path& file() const;

  // How many intent records the tables refused (a constraint, damage past the checksum, a
  // format this stopd cannot read). Each was acknowledged, so none is dropped: each is kept, as
  // written and with why, in the journal's dead_letters table, which only an operator empties.
  // Thread-safe and cheap (no read of the file).
  std::uint64_t dead_letters() const;

  // Crash accounting, as found when this JobStore opened the file: for each unfinished job, how
  // many times in a row stopd ended without closing its JobStore (a crash, kill -9, a plugin's
  // exit()) while the job was in flight. Jobs with none are absent. Closing a JobStore (its
  // destructor) is the clean shutdown that lets the next open start every count over.
  const std::unordered_map<std::string, unsigned>& interruptions() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stopd::core
