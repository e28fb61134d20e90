#include "stopd/jobs/job_store.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_set>
#include <utility>

#include "intent_applier.hpp"
#include "intent_record.hpp"
#include "job_id.hpp"
#include "job_time.hpp"
#include "journal_lock.hpp"
#include "journal_schema.hpp"
#include "journal_writer.hpp"
#include "sqlite.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/sdk/outcome.hpp"
#include "wal_checkpointer.hpp"

namespace stopd::core {
namespace {

namespace fs = std::filesystem;
using sqlite::SqliteError;
using sqlite::Statement;
using sqlite::Use;
using Unapplied = IntentApplier::Unapplied;

// Never throws for strings that are not UTF-8 (a provider's details may carry raw bytes).
std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string_view mode_name(sdk::Mode mode) {
  return mode == sdk::Mode::immediate ? "immediate" : "graceful";
}

// What insert() binds, serialized by the caller's thread before it joins a group commit.
struct InsertRow {
  const Job& job;
  std::string target;
  std::string options;
  std::string details;
};

struct UpdateRow {
  const Job& job;
  std::string details;
};

std::string details_of(const Job& job) {
  return job.outcome ? dump(job.outcome->details) : std::string();
}

InsertRow insert_row_of(const Job& job) {
  return InsertRow{
      job, dump(job.request.target),
      dump(job.request.options.is_null() ? nlohmann::json::object() : job.request.options),
      details_of(job)};
}

// Where a job stands in the journal's order (created, then id), as the tables' indexes sort it.
std::pair<std::int64_t, std::string_view> order_of(const Job& job) {
  return {to_ms(job.created), job.id};
}

constexpr std::size_t kPruneChunk = 1000;

}  // namespace

// Opening, statements and row mapping. Every write goes through the JournalWriter (group
// commit); the intent log's records, and the unapplied jobs reads lay over the tables, are the
// IntentApplier's.
struct JobStore::Impl {
  static JournalOptions with_logger(JournalOptions given) {
    if (!given.logger) given.logger = host_logger();
    return given;
  }

  Impl(const fs::path& file_, JournalOptions options_)
      : file(file_),
        name(file_.string()),
        options(with_logger(std::move(options_))),
        lock(checked_directory(file_)),
        writer(open_writer()) {
    reader = open(SQLITE_OPEN_READONLY);
    try {
      reader->exec("PRAGMA busy_timeout = " + std::to_string(options.busy_timeout.count()));
      reader->exec("PRAGMA query_only = 1");
      reader->exec("PRAGMA cache_size = -512");  // as the writer's (journal_schema.cpp)
      prepare_statements();
      intents = std::make_unique<IntentApplier>(writer, name, options, insert_job, update_job);
    } catch (const SqliteError& e) {
      fail("cannot prepare its statements", e);
    }
    intents->replay();
    try {
      open_session();
    } catch (const SqliteError& e) {
      fail("cannot record this start", e);
    }
    try {
      checkpointer = std::make_unique<WalCheckpointer>(name, options.sync_full, writer.connection(),
                                                       options.logger);
    } catch (const SqliteError& e) {
      fail("cannot open its checkpoint connection", e);
    }
    intents->start();
  }

  ~Impl() {
    intents->close();
    try {
      writer.write([this] { writer.connection().exec("DELETE FROM meta WHERE key = 'session'"); },
                   false);  // a clean close
    } catch (const SqliteError& e) {
      options.logger->warn(
          "journal {}: cannot record a clean close ({}); the next start counts "
          "the jobs still unfinished as interrupted",
          name, e.what());
    }
  }

  // At open: a "session" left in meta means the last JobStore on this file never closed (stopd
  // crashed, was killed, or a plugin called exit()). Every job unfinished now was in flight then
  // and counts one more interruption; after a clean close the counts start over. Then this
  // session is recorded.
  void open_session() {
    writer.write(
        [this] {
          auto& w = writer.connection();
          const bool unclean =
              w.integer_query("SELECT count(*) FROM meta WHERE key = 'session'") > 0;
          if (unclean) {
            w.exec(
                "INSERT INTO interruptions (job_id, count) SELECT id, 1 FROM jobs WHERE state IN "
                "('pending', 'running') ON CONFLICT (job_id) DO UPDATE SET count = count + 1");
            w.exec(
                "DELETE FROM interruptions WHERE job_id NOT IN (SELECT id FROM jobs WHERE state "
                "IN ('pending', 'running'))");
          } else {
            w.exec("DELETE FROM interruptions");
          }
          Statement session(w, "INSERT OR REPLACE INTO meta (key, value) VALUES ('session', ?1)");
          session.bind(1, "pid " + std::to_string(::getpid()) + " since " +
                              std::to_string(to_ms(job_clock_now())));
          session.step();
          interrupted.clear();
          Statement counts(w, "SELECT job_id, count FROM interruptions");
          while (counts.step())
            interrupted.emplace(counts.text(0), static_cast<unsigned>(counts.integer(1)));
        },
        false);
  }

  const fs::path file;
  const std::string name;
  const JournalOptions options;
  JournalLock lock;
  std::unordered_map<std::string, unsigned> interrupted;  // open_session(); then read-only

  // Every write goes through it (group commit); these statements run on its connection, inside
  // a unit of work.
  JournalWriter writer;
  Statement insert_job, update_job, prune_chunk, incremental_vacuum;
  Statement insert_batch, finish_batch, prune_batches;

  // The intent log (its records are applied through `writer`, with insert_job and update_job),
  // and the unapplied jobs reads lay over the tables.
  std::unique_ptr<IntentApplier> intents;

  // The reading connection (WAL: never blocked by the writer) and its statements.
  mutable std::mutex read_mutex;
  std::unique_ptr<sqlite::Connection> reader;
  mutable Statement get_job, by_request_id, unfinished_jobs, created_of;
  mutable Statement get_batch, batch_by_request_id, unfinished_batches, recent_batches;
  mutable Statement batch_runs;
  mutable std::map<std::string, Statement, std::less<>> list_statements;

  // Last: gone (its thread stopped, its hook removed) before the connections close.
  std::unique_ptr<WalCheckpointer> checkpointer;

  static const fs::path& checked_directory(const fs::path& file) {
    const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      throw JournalError("journal " + file.string() + ": the directory " + dir.string() +
                         " does not exist");
    if (fs::is_directory(file, ec))
      throw JournalError("journal " + file.string() + ": is a directory, not a file");
    return file;
  }

  std::unique_ptr<sqlite::Connection> open(int flags) const {
    try {
      return std::make_unique<sqlite::Connection>(name, flags);
    } catch (const SqliteError& e) {
      throw JournalError("journal " + name + ": cannot open it: " + e.what());
    }
  }

  // The writing connection, made a journal (schema, pragmas) before the writer takes it.
  JournalWriter open_writer() const {
    auto connection = open(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    prepare_journal(*connection, name, options.sync_full, options.busy_timeout);
    try {
      return JournalWriter(std::move(connection), options.on_write);
    } catch (const SqliteError& e) {
      fail("cannot prepare its statements", e);
    }
  }

  [[noreturn]] void fail(const std::string& what, const std::exception& e) const {
    throw JournalError("journal " + name + ": " + what + ": " + e.what());
  }

  void prepare_statements() {
    auto& w = writer.connection();
    insert_job = Statement(
        w, std::string("INSERT INTO jobs (") + kJobColumns +
               ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
               "?17, ?18, ?19, ?20, ?21, ?22, ?23)");
    update_job = Statement(
        w,
        "UPDATE jobs SET state = ?2, started_ms = ?3, finished_ms = ?4, deadline_ms = ?5, "
        "force_at_ms = ?6, attempts = ?7, resumed = ?8, stop_id = ?9, joined = ?10, "
        "outcome_code = ?11, outcome_message = ?12, outcome_forced = ?13, outcome_details = ?14 "
        "WHERE id = ?1");
    // Through the time index (journal_schema.cpp): a job finished before the cutoff was created
    // before it too.
    prune_chunk = Statement(w,
                            "DELETE FROM jobs WHERE seq IN (SELECT seq FROM jobs WHERE created_ms "
                            "< ?1 AND state = 'finished' AND finished_ms < ?1 LIMIT " +
                                std::to_string(kPruneChunk) + ")");
    incremental_vacuum = Statement(w, "PRAGMA incremental_vacuum");
    insert_batch = Statement(w,
                             "INSERT INTO batches (id, state, requester, request_id, created_ms, "
                             "finished_ms, spec, result) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    finish_batch = Statement(
        w, "UPDATE batches SET state = 'finished', finished_ms = ?2, result = ?3 WHERE id = ?1");
    prune_batches =
        Statement(w, "DELETE FROM batches WHERE state = 'finished' AND finished_ms < ?1");

    auto& r = *reader;
    const std::string select = std::string("SELECT ") + kJobColumns + " FROM jobs ";
    get_job = Statement(r, select + "WHERE id = ?1");
    by_request_id = Statement(r, select + "WHERE request_id = ?1");
    unfinished_jobs =
        Statement(r, select + "WHERE state IN ('pending', 'running') ORDER BY created_ms, id");
    created_of = Statement(r, "SELECT created_ms FROM jobs WHERE id = ?1");
    const std::string batch_select =
        "SELECT id, state, requester, request_id, created_ms, finished_ms, spec, result "
        "FROM batches ";
    get_batch = Statement(r, batch_select + "WHERE id = ?1");
    batch_by_request_id = Statement(r, batch_select + "WHERE request_id = ?1");
    unfinished_batches =
        Statement(r, batch_select + "WHERE state = 'running' ORDER BY created_ms, id");
    recent_batches = Statement(r, batch_select + "ORDER BY created_ms DESC, id DESC LIMIT ?1");
    // A range of request_id (its unique index), and the summary alone out of the result: SQLite
    // walks the result's text without building it, nlohmann parses the summary only.
    batch_runs = Statement(r,
                           "SELECT id, state, request_id, json_extract(result, '$.summary') FROM "
                           "batches WHERE request_id >= ?1 AND request_id < ?2 ORDER BY "
                           "created_ms DESC, id DESC LIMIT ?3");
  }

  // ---- writing: row mapping ------------------------------------------------------------------

  static void step(Statement& statement) {
    Use use(statement);
    while (use->step()) {
    }
  }

  // Rows the last statement of the running unit of work changed.
  std::size_t changes() {
    return static_cast<std::size_t>(sqlite3_changes(writer.connection().handle()));
  }

  // What a job's insert binds, into a statement or an intent record (intent_record.hpp).
  template <typename Target>
  static void insert_values(Target& out, const InsertRow& row) {
    const Job& job = row.job;
    out.bind(1, job.id);
    out.bind(2, to_string(job.state));
    out.bind(3, job.request.type);
    out.bind(4, row.target);
    out.bind(5, row.options);
    out.bind(6, mode_name(job.request.mode));
    if (job.request.grace)
      out.bind(7, static_cast<std::int64_t>(job.request.grace->count()));
    else
      out.bind_null(7);
    out.bind(8, std::int64_t{job.request.dry_run ? 1 : 0});
    out.bind(9, job.requester);
    if (job.request_id.empty())
      out.bind_null(10);
    else
      out.bind(10, job.request_id);
    out.bind(11, to_ms(job.created));
    changing_values(out, 12, job, row.details);
  }

  // The fields that may change after insert, from parameter `first` on, in the columns' order.
  template <typename Target>
  static void changing_values(Target& out, int first, const Job& job, const std::string& details) {
    out.bind(first, to_ms(job.started));
    out.bind(first + 1, to_ms(job.finished));
    out.bind(first + 2, to_ms(job.deadline));
    out.bind(first + 3, to_ms(job.force_at));
    out.bind(first + 4, std::int64_t{job.attempts});
    out.bind(first + 5, std::int64_t{job.resumed});
    out.bind(first + 6, job.stop_id);
    out.bind(first + 7, std::int64_t{job.joined ? 1 : 0});
    if (job.outcome) {
      out.bind(first + 8, sdk::to_string(job.outcome->code));
      out.bind(first + 9, job.outcome->message);
      out.bind(first + 10, std::int64_t{job.outcome->forced ? 1 : 0});
      out.bind(first + 11, details);
    } else {
      for (int i = 8; i < 12; ++i) out.bind_null(first + i);
    }
  }

  // What a job's update binds (the fields that may change after insert).
  template <typename Target>
  static void update_values(Target& out, const UpdateRow& row) {
    const Job& job = row.job;
    out.bind(1, job.id);
    out.bind(2, to_string(job.state));
    changing_values(out, 3, job, row.details);
  }

  void bind_insert(const InsertRow& row) {
    Use use(insert_job);
    insert_values(*use, row);
    use->step();
  }

  // Returns whether the job exists.
  bool bind_update(const UpdateRow& row) {
    Use use(update_job);
    update_values(*use, row);
    use->step();
    return changes() > 0;
  }

  // ---- reading -------------------------------------------------------------------------------

  Job read_job(const Statement& row) const {
    Job job;
    job.id = row.text(0);
    try {
      const std::string state = row.text(1);
      job.state = job_state_from_string(state).value_or(JobState::pending);
      job.request.type = row.text(2);
      job.request.target = nlohmann::json::parse(row.text(3));
      job.request.options = nlohmann::json::parse(row.text(4));
      job.request.mode = row.text(5) == "immediate" ? sdk::Mode::immediate : sdk::Mode::graceful;
      if (auto grace = row.optional_integer(6))
        job.request.grace = std::chrono::milliseconds(*grace);
      else
        job.request.grace = std::nullopt;
      job.request.dry_run = row.integer(7) != 0;
      job.requester = row.text(8);
      job.request_id = row.text(9);
      job.created = from_ms(row.integer(10));
      job.started = from_ms(row.optional_integer(11));
      job.finished = from_ms(row.optional_integer(12));
      job.deadline = from_ms(row.integer(13));
      job.force_at = from_ms(row.optional_integer(14));
      job.attempts = static_cast<unsigned>(row.integer(15));
      job.resumed = static_cast<unsigned>(row.integer(16));
      job.stop_id = row.text(17);
      job.joined = row.integer(18) != 0;
      if (!row.is_null(19)) {
        sdk::StopOutcome outcome;
        outcome.code = sdk::code_from_string(row.text(19)).value_or(sdk::Code::internal);
        outcome.message = row.text(20);
        outcome.forced = row.integer(21) != 0;
        const std::string details = row.text(22);
        outcome.details =
            details.empty() ? nlohmann::json::object() : nlohmann::json::parse(details);
        job.outcome = std::move(outcome);
      }
    } catch (const nlohmann::json::exception& e) {
      fail("job " + job.id + " is damaged", e);
    }
    return job;
  }

  BatchRow read_batch(const Statement& row) const {
    BatchRow batch;
    batch.id = row.text(0);
    batch.finished = row.text(1) == "finished";
    batch.requester = row.text(2);
    batch.request_id = row.text(3);
    batch.created = from_ms(row.integer(4));
    batch.finished_at = from_ms(row.optional_integer(5));
    try {
      batch.spec = nlohmann::json::parse(row.text(6));
      if (!row.is_null(7)) batch.result = nlohmann::json::parse(row.text(7));
    } catch (const nlohmann::json::exception& e) {
      fail("batch " + batch.id + " is damaged", e);
    }
    return batch;
  }

  std::vector<BatchRow> batches(Statement& query) const {
    std::vector<BatchRow> rows;
    while (query.step()) rows.push_back(read_batch(query));
    return rows;
  }

  std::optional<BatchRow> one_batch(Statement& query, std::string_view key) const {
    Use use(query);
    use->bind(1, key);
    if (!use->step()) return std::nullopt;
    return read_batch(query);
  }

  // --- reads: the tables, with the unapplied jobs laid over them -------------------------------
  // Each takes what it needs of the unapplied jobs (IntentApplier) before it reads the tables: a
  // record is
  // dropped from them only once its commit is visible, so a job is never in neither, and no read
  // returns a state older than one acknowledged before it began (an unapplied entry is a job's
  // newest state). find_by_request_id() is the one read that must look at the tables first.

  // Table rows (already filtered, in order) merged with the unapplied jobs: a row's unapplied
  // state replaces it (and leaves if it no longer `matches`); an unapplied job that `matches`
  // joins if it is inserted or its row is in the tables (a row the filter left out when it
  // read the tables' older state); `before` orders the result. Under read_mutex.
  template <class Matches, class Before>
  std::vector<Job> merged(std::vector<Job> rows,
                          const std::unordered_map<std::string, Unapplied>& newer,
                          Matches&& matches, Before&& before) const {
    if (newer.empty()) return rows;
    std::vector<Job> jobs;
    jobs.reserve(rows.size());
    std::unordered_set<std::string> in_tables;
    for (Job& row : rows) {
      in_tables.insert(row.id);  // a copy: the row moves on below
      auto it = newer.find(row.id);
      std::optional<Job> job = it == newer.end()
                                   ? std::move(row)
                                   : IntentApplier::laid_over(std::move(row), &it->second);
      if (it == newer.end() || matches(*job)) jobs.push_back(std::move(*job));
    }
    for (const auto& [id, entry] : newer) {
      if (in_tables.contains(id)) continue;
      std::optional<Job> job =
          IntentApplier::laid_over(entry.inserted ? std::nullopt : one(get_job, id), &entry);
      if (job && matches(*job)) jobs.push_back(std::move(*job));
    }
    std::sort(jobs.begin(), jobs.end(), before);
    return jobs;
  }

  std::optional<Job> one(Statement& query, std::string_view key) const {
    Use use(query);
    use->bind(1, key);
    if (!use->step()) return std::nullopt;
    return read_job(query);
  }

  std::vector<Job> all(Statement& query) const {
    std::vector<Job> jobs;
    while (query.step()) jobs.push_back(read_job(query));
    return jobs;
  }

  Statement& list_statement(const std::string& sql) const {
    auto it = list_statements.find(sql);
    if (it == list_statements.end())
      it = list_statements.emplace(sql, Statement(*reader, sql)).first;
    return it->second;
  }
};

JobStore::JobStore(const std::filesystem::path& file, JournalOptions options)
    : impl_(std::make_unique<Impl>(file, std::move(options))) {}

JobStore::~JobStore() = default;

const std::filesystem::path& JobStore::file() const {
  return impl_->file;
}

std::uint64_t JobStore::dead_letters() const {
  return impl_->intents->dead_letters();
}

const std::unordered_map<std::string, unsigned>& JobStore::interruptions() const {
  return impl_->interrupted;
}

void JobStore::insert(const Job& job) {
  if (job.id.empty()) throw JournalError("journal " + impl_->name + ": insert: the job has no id");
  const InsertRow row = insert_row_of(job);
  try {
    impl_->writer.write([&] { impl_->bind_insert(row); });
  } catch (const SqliteError& e) {
    if (e.code() == SQLITE_CONSTRAINT)
      impl_->fail("insert job " + job.id + ": a job with this id or request_id exists already", e);
    impl_->fail("insert job " + job.id, e);
  }
}

void JobStore::update(const Job& job) {
  UpdateRow row{job, details_of(job)};
  bool found = false;
  try {
    impl_->writer.write([&] { found = impl_->bind_update(row); });
  } catch (const SqliteError& e) {
    impl_->fail("update job " + job.id, e);
  }
  if (!found) throw JournalError("journal " + impl_->name + ": update: no job " + job.id);
}

std::size_t JobStore::write_many(const std::vector<Job>& inserts, const std::vector<Job>& updates) {
  if (inserts.empty() && updates.empty()) return 0;
  std::vector<InsertRow> new_rows;
  new_rows.reserve(inserts.size());
  for (const Job& job : inserts) {
    if (job.id.empty()) throw JournalError("journal " + impl_->name + ": insert: a job has no id");
    new_rows.push_back(insert_row_of(job));
  }
  std::vector<UpdateRow> changed_rows;
  changed_rows.reserve(updates.size());
  for (const Job& job : updates) changed_rows.push_back(UpdateRow{job, details_of(job)});
  std::size_t found = 0;
  try {
    impl_->writer.write([&] {
      found = 0;  // a retried savepoint starts over
      for (const InsertRow& row : new_rows) impl_->bind_insert(row);
      for (const UpdateRow& row : changed_rows)
        if (impl_->bind_update(row)) ++found;
    });
  } catch (const SqliteError& e) {
    if (e.code() == SQLITE_CONSTRAINT)
      impl_->fail("insert " + std::to_string(inserts.size()) +
                      " job(s): a job with one of their ids or request_ids exists already",
                  e);
    impl_->fail(inserts.empty()
                    ? "update " + std::to_string(updates.size()) + " jobs"
                    : "write " + std::to_string(inserts.size() + updates.size()) + " job(s)",
                e);
  }
  return found;
}

void JobStore::append_many(const std::vector<Job>& inserts, const std::vector<Job>& updates) {
  if (!impl_->intents->logging()) {
    write_many(inserts, updates);
    return;
  }
  if (inserts.empty() && updates.empty()) return;
  const auto begun = std::chrono::steady_clock::now();
  RecordWriter record;
  for (const Job& job : inserts) {
    if (job.id.empty()) throw JournalError("journal " + impl_->name + ": insert: a job has no id");
    if (!job.request_id.empty())
      throw JournalError("journal " + impl_->name + ": append job " + job.id +
                         ": a job with a request_id is inserted with insert(), which can refuse "
                         "a duplicate");
    record.row(RowKind::insert_job);
    Impl::insert_values(record, insert_row_of(job));
  }
  for (const Job& job : updates) {
    record.row(RowKind::update_job);
    Impl::update_values(record, UpdateRow{job, details_of(job)});
  }
  impl_->intents->append(std::move(record).bytes(), inserts, updates);
  impl_->writer.reported(begun);
}

std::size_t JobStore::update_many(const std::vector<Job>& jobs) {
  return write_many({}, jobs);
}

std::optional<Job> JobStore::get(std::string_view id) const {
  const auto newer = impl_->intents->unapplied_job(id);
  std::lock_guard guard(impl_->read_mutex);
  try {
    return IntentApplier::laid_over(impl_->one(impl_->get_job, id), newer ? &*newer : nullptr);
  } catch (const SqliteError& e) {
    impl_->fail("get job " + std::string(id), e);
  }
}

std::optional<Job> JobStore::find_by_request_id(std::string_view request_id) const {
  if (request_id.empty()) return std::nullopt;
  // Appended jobs have no request_id (append_many()), so the row is in the tables, and its newer
  // state may be unapplied. Unlike the other reads, this one cannot take the unapplied state
  // first (it learns the id from the row), so the row may predate a commit whose record left the
  // unapplied jobs before the lookup below: then it reads the row again.
  const std::uint64_t applied_before = impl_->intents->applied_so_far();
  std::optional<Job> row;
  {
    std::lock_guard guard(impl_->read_mutex);
    try {
      row = impl_->one(impl_->by_request_id, request_id);
    } catch (const SqliteError& e) {
      impl_->fail("find request_id", e);
    }
  }
  if (!row) return std::nullopt;
  bool committed_meanwhile = false;
  const auto newer = impl_->intents->unapplied_job(row->id, applied_before, committed_meanwhile);
  if (newer)
    return IntentApplier::laid_over(std::move(row), &*newer);  // the newest state: a whole job
  if (!committed_meanwhile) return row;
  return get(row->id);
}

JobPage JobStore::list(const JobFilter& filter) const {
  const std::size_t limit = std::clamp<std::size_t>(filter.limit, 1, kMaxListLimit);
  std::vector<std::string_view> states;
  for (JobState state : filter.states)
    if (std::find(states.begin(), states.end(), to_string(state)) == states.end())
      states.push_back(to_string(state));

  const auto newer = impl_->intents->unapplied_jobs();
  std::lock_guard guard(impl_->read_mutex);
  try {
    std::optional<std::int64_t> cursor_created;
    if (!filter.after_id.empty()) {
      Use use(impl_->created_of);
      use->bind(1, filter.after_id);
      if (use->step())
        cursor_created = use->integer(0);
      else if (auto it = newer.find(filter.after_id); it != newer.end())
        cursor_created = to_ms(it->second.job.created);  // not in the tables yet
      else
        cursor_created = job_id_time_ms(filter.after_id);  // pruned meanwhile: its id says when
      if (!cursor_created)
        throw sdk::StopError(sdk::Code::invalid_argument,
                             "after_id: '" + filter.after_id + "' is not a job id");
    }

    // The statement's shape depends on which filters are set; each shape is prepared once.
    std::string sql = std::string("SELECT ") + kJobColumns + " FROM jobs WHERE 1";
    int parameter = 0;
    auto next = [&] { return "?" + std::to_string(++parameter); };
    if (!states.empty()) {
      sql += " AND state IN (";
      for (std::size_t i = 0; i < states.size(); ++i) sql += (i > 0 ? ", " : "") + next();
      sql += ")";
      // Only unfinished states: the literal term that lets SQLite use the partial index of
      // unfinished jobs instead of scanning every finished one.
      if (std::find(states.begin(), states.end(), to_string(JobState::finished)) == states.end())
        sql += " AND state IN ('pending', 'running')";
    }
    if (!filter.type.empty()) sql += " AND type = " + next();
    if (filter.created_after) sql += " AND created_ms > " + next();
    if (filter.created_before) sql += " AND created_ms < " + next();
    if (cursor_created) {
      const std::string created = next();
      sql += " AND (created_ms, id) < (" + created + ", " + next() + ")";
    }
    sql += " ORDER BY created_ms DESC, id DESC LIMIT " + next();

    Statement& query = impl_->list_statement(sql);
    Use use(query);
    int index = 0;
    for (std::string_view state : states) use->bind(++index, state);
    if (!filter.type.empty()) use->bind(++index, filter.type);
    if (filter.created_after) use->bind(++index, to_ms(*filter.created_after));
    if (filter.created_before) use->bind(++index, to_ms_rounded_up(*filter.created_before));
    if (cursor_created) {
      use->bind(++index, *cursor_created);
      use->bind(++index, filter.after_id);
    }
    // One more: is there a next page? And as many again as there are unapplied jobs, each of
    // which may take a row out of this page.
    use->bind(++index, static_cast<std::int64_t>(limit + 1 + newer.size()));

    const auto matches = [&](const Job& job) {
      const std::int64_t created = to_ms(job.created);
      return (filter.states.empty() || std::find(filter.states.begin(), filter.states.end(),
                                                 job.state) != filter.states.end()) &&
             (filter.type.empty() || job.request.type == filter.type) &&
             (!filter.created_after || created > to_ms(*filter.created_after)) &&
             (!filter.created_before || created < to_ms_rounded_up(*filter.created_before)) &&
             (!cursor_created ||
              order_of(job) < std::make_pair(*cursor_created, std::string_view(filter.after_id)));
    };
    const auto newer_first = [](const Job& a, const Job& b) { return order_of(a) > order_of(b); };
    JobPage page;
    page.jobs = impl_->merged(impl_->all(query), newer, matches, newer_first);
    if (page.jobs.size() > limit) {
      page.jobs.resize(limit);
      page.next_after_id = page.jobs.back().id;
    }
    return page;
  } catch (const SqliteError& e) {
    impl_->fail("list jobs", e);
  }
}

std::vector<Job> JobStore::unfinished() const {
  const auto newer = impl_->intents->unapplied_jobs();
  std::lock_guard guard(impl_->read_mutex);
  try {
    Use use(impl_->unfinished_jobs);
    return impl_->merged(
        impl_->all(impl_->unfinished_jobs), newer,
        [](const Job& job) { return !job.is_finished(); },
        [](const Job& a, const Job& b) { return order_of(a) < order_of(b); });
  } catch (const SqliteError& e) {
    impl_->fail("list unfinished jobs", e);
  }
}

std::size_t JobStore::prune_finished_before(Job::Time cutoff) {
  std::size_t total = 0;
  try {
    // In chunks, each its own short transaction: a large prune never holds up a job's insert.
    for (;;) {
      std::size_t deleted = 0;
      impl_->writer.write([&] {
        Use use(impl_->prune_chunk);
        use->bind(1, to_ms(cutoff));
        use->step();
        deleted = impl_->changes();
      });
      total += deleted;
      if (deleted < kPruneChunk) break;
    }
    std::size_t batches = 0;
    impl_->writer.write([&] {
      Use use(impl_->prune_batches);
      use->bind(1, to_ms(cutoff));
      use->step();
      batches = impl_->changes();
    });
    if (total + batches > 0) impl_->writer.write([&] { Impl::step(impl_->incremental_vacuum); });
  } catch (const SqliteError& e) {
    impl_->fail("prune finished jobs", e);
  }
  return total;
}

void JobStore::insert_batch(const BatchRow& batch) {
  if (batch.id.empty()) throw JournalError("journal " + impl_->name + ": the batch has no id");
  const std::string spec = dump(batch.spec);
  const std::string result = batch.result.is_null() ? std::string() : dump(batch.result);
  try {
    impl_->writer.write([&] {
      Use use(impl_->insert_batch);
      use->bind(1, batch.id);
      use->bind(2, std::string_view(batch.finished ? "finished" : "running"));
      use->bind(3, batch.requester);
      if (batch.request_id.empty())
        use->bind_null(4);
      else
        use->bind(4, batch.request_id);
      use->bind(5, to_ms(batch.created));
      use->bind(6, to_ms(batch.finished_at));
      use->bind(7, spec);
      if (result.empty())
        use->bind_null(8);
      else
        use->bind(8, result);
      use->step();
    });
  } catch (const SqliteError& e) {
    if (e.code() == SQLITE_CONSTRAINT)
      impl_->fail("insert batch " + batch.id + ": a batch with this id or request_id exists", e);
    impl_->fail("insert batch " + batch.id, e);
  }
}

void JobStore::finish_batch(std::string_view id, Job::Time finished, const nlohmann::json& result) {
  const std::string text = dump(result);
  bool found = false;
  try {
    impl_->writer.write([&] {
      Use use(impl_->finish_batch);
      use->bind(1, id);
      use->bind(2, to_ms(finished));
      use->bind(3, text);
      use->step();
      found = impl_->changes() > 0;
    });
  } catch (const SqliteError& e) {
    impl_->fail("finish batch " + std::string(id), e);
  }
  if (!found)
    throw JournalError("journal " + impl_->name + ": finish: no batch " + std::string(id));
}

std::optional<BatchRow> JobStore::get_batch(std::string_view id) const {
  std::lock_guard guard(impl_->read_mutex);
  try {
    return impl_->one_batch(impl_->get_batch, id);
  } catch (const SqliteError& e) {
    impl_->fail("get batch " + std::string(id), e);
  }
}

std::optional<BatchRow> JobStore::find_batch_by_request_id(std::string_view request_id) const {
  if (request_id.empty()) return std::nullopt;
  std::lock_guard guard(impl_->read_mutex);
  try {
    return impl_->one_batch(impl_->batch_by_request_id, request_id);
  } catch (const SqliteError& e) {
    impl_->fail("find batch request_id", e);
  }
}

std::vector<BatchRow> JobStore::unfinished_batches() const {
  std::lock_guard guard(impl_->read_mutex);
  try {
    Use use(impl_->unfinished_batches);
    return impl_->batches(impl_->unfinished_batches);
  } catch (const SqliteError& e) {
    impl_->fail("list unfinished batches", e);
  }
}

std::vector<BatchRow> JobStore::list_batches(std::size_t limit) const {
  std::lock_guard guard(impl_->read_mutex);
  try {
    Use use(impl_->recent_batches);
    use->bind(1, static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, kMaxListLimit)));
    return impl_->batches(impl_->recent_batches);
  } catch (const SqliteError& e) {
    impl_->fail("list batches", e);
  }
}

std::vector<BatchRunRow> JobStore::list_batch_runs(std::string_view prefix,
                                                   std::size_t limit) const {
  // Every text that starts with `prefix` sorts at or after it and before `prefix` with its last
  // byte one higher (an empty prefix: every text below 0xff).
  std::string past = std::string(prefix);
  while (!past.empty() && static_cast<unsigned char>(past.back()) == 0xff) past.pop_back();
  if (past.empty())
    past.assign(1, static_cast<char>(0xff));
  else
    past.back() = static_cast<char>(static_cast<unsigned char>(past.back()) + 1);
  std::lock_guard guard(impl_->read_mutex);
  try {
    Use use(impl_->batch_runs);
    use->bind(1, prefix);
    use->bind(2, std::string_view(past));
    use->bind(3, static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, kMaxListLimit)));
    std::vector<BatchRunRow> runs;
    while (use->step()) {
      BatchRunRow run;
      run.id = use->text(0);
      run.finished = use->text(1) == "finished";
      run.request_id = use->text(2);
      if (!use->is_null(3)) {
        try {
          run.summary = nlohmann::json::parse(use->text(3));
        } catch (const nlohmann::json::exception& e) {
          impl_->fail("batch " + run.id + " is damaged", e);
        }
      }
      runs.push_back(std::move(run));
    }
    return runs;
  } catch (const SqliteError& e) {
    impl_->fail("list batch runs", e);
  }
}

// ---- schedules (issue 20) ---------------------------------------------------------------------
// Rare writes and reads (an API call, a start): each prepares its statement, on the connection
// and under the lock the batch methods use.

namespace {

constexpr const char* kScheduleColumns =
    "name, origin, spec, paused, requester, created_ms, updated_ms";

ScheduleRow read_schedule(const Statement& row) {
  ScheduleRow schedule;
  schedule.name = row.text(0);
  schedule.origin = row.text(1);
  if (!row.is_null(2)) schedule.spec = nlohmann::json::parse(row.text(2));
  schedule.paused = row.integer(3) != 0;
  schedule.requester = row.text(4);
  schedule.created = from_ms(row.integer(5));
  schedule.updated = from_ms(row.integer(6));
  return schedule;
}

}  // namespace

void JobStore::put_schedule(const ScheduleRow& row) {
  if (row.name.empty()) throw JournalError("journal " + impl_->name + ": the schedule has no name");
  if (row.origin != "api" && row.origin != "config")
    throw JournalError("journal " + impl_->name + ": schedule " + row.name + ": origin '" +
                       row.origin + "' is neither api nor config");
  const std::string spec = row.spec.is_null() ? std::string() : dump(row.spec);
  try {
    impl_->writer.write([&] {
      Statement put(impl_->writer.connection(),
                    std::string("INSERT INTO schedules (") + kScheduleColumns +
                        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO UPDATE SET "
                        "origin = excluded.origin, spec = excluded.spec, paused = "
                        "excluded.paused, requester = excluded.requester, updated_ms = "
                        "excluded.updated_ms");
      put.bind(1, row.name);
      put.bind(2, row.origin);
      if (spec.empty())
        put.bind_null(3);
      else
        put.bind(3, spec);
      put.bind(4, std::int64_t{row.paused ? 1 : 0});
      put.bind(5, row.requester);
      put.bind(6, to_ms(row.created));
      put.bind(7, to_ms(row.updated));
      put.step();
    });
  } catch (const SqliteError& e) {
    impl_->fail("put schedule " + row.name, e);
  }
}

bool JobStore::delete_schedule(std::string_view name) {
  bool found = false;
  try {
    impl_->writer.write([&] {
      Statement remove(impl_->writer.connection(), "DELETE FROM schedules WHERE name = ?1");
      remove.bind(1, name);
      remove.step();
      found = impl_->changes() > 0;
    });
  } catch (const SqliteError& e) {
    impl_->fail("delete schedule " + std::string(name), e);
  }
  return found;
}

std::optional<ScheduleRow> JobStore::get_schedule(std::string_view name) const {
  std::lock_guard guard(impl_->read_mutex);
  try {
    Statement query(*impl_->reader,
                    std::string("SELECT ") + kScheduleColumns + " FROM schedules WHERE name = ?1");
    query.bind(1, name);
    if (!query.step()) return std::nullopt;
    return read_schedule(query);
  } catch (const SqliteError& e) {
    impl_->fail("get schedule " + std::string(name), e);
  } catch (const nlohmann::json::exception& e) {
    impl_->fail("schedule " + std::string(name) + " is damaged", e);
  }
}

std::vector<ScheduleRow> JobStore::list_schedules() const {
  std::lock_guard guard(impl_->read_mutex);
  try {
    Statement query(*impl_->reader,
                    std::string("SELECT ") + kScheduleColumns + " FROM schedules ORDER BY name");
    std::vector<ScheduleRow> rows;
    while (query.step()) rows.push_back(read_schedule(query));
    return rows;
  } catch (const SqliteError& e) {
    impl_->fail("list schedules", e);
  } catch (const nlohmann::json::exception& e) {
    impl_->fail("a schedule is damaged", e);
  }
}

std::size_t JobStore::delete_finished_batches(const std::vector<std::string>& ids) {
  if (ids.empty()) return 0;
  std::size_t deleted = 0;
  try {
    impl_->writer.write([&] {
      Statement remove(impl_->writer.connection(),
                       "DELETE FROM batches WHERE id = ?1 AND state = 'finished'");
      for (const std::string& id : ids) {
        remove.reset();
        remove.bind(1, id);
        remove.step();
        deleted += impl_->changes();
      }
    });
  } catch (const SqliteError& e) {
    impl_->fail("delete finished batches", e);
  }
  return deleted;
}

}  // namespace stopd::core
