#include "journal_schema.hpp"

#include <unistd.h>

#include <algorithm>

#include "job_time.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/jobs/job_store.hpp"

namespace stopd::core {
namespace {

// Version 1. A later version adds a migration step from each older one; never edits this text.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE jobs (
  seq             INTEGER PRIMARY KEY,
  id              TEXT NOT NULL UNIQUE,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'running', 'finished')),
  type            TEXT NOT NULL,
  target          TEXT NOT NULL,              -- JSON object
  options         TEXT NOT NULL,              -- JSON object
  mode            TEXT NOT NULL CHECK (mode IN ('graceful', 'immediate')),
  grace_ms        INTEGER,                    -- NULL: unbounded (drain)
  dry_run         INTEGER NOT NULL,
  requester       TEXT NOT NULL,
  request_id      TEXT UNIQUE,                -- NULL when the client gave none
  created_ms      INTEGER NOT NULL,           -- times: ms since the Unix epoch, UTC
  started_ms      INTEGER,
  finished_ms     INTEGER,
  deadline_ms     INTEGER NOT NULL,
  force_at_ms     INTEGER,
  attempts        INTEGER NOT NULL DEFAULT 0,
  resumed         INTEGER NOT NULL DEFAULT 0,
  stop_id         TEXT NOT NULL DEFAULT '',
  joined          INTEGER NOT NULL DEFAULT 0,
  outcome_code    TEXT,                       -- set when finished
  outcome_message TEXT,
  outcome_forced  INTEGER,
  outcome_details TEXT                        -- JSON object
);

-- list(): newest first, optionally by state or type; unfinished(): by state, oldest first.
CREATE INDEX jobs_by_created ON jobs (created_ms, id);
CREATE INDEX jobs_by_state ON jobs (state, created_ms, id);
CREATE INDEX jobs_by_type ON jobs (type, created_ms, id);
-- prune_finished_before()
CREATE INDEX jobs_by_finished ON jobs (finished_ms) WHERE state = 'finished';
)sql";

// Version 2: batches. A batch's items are jobs (request_id "batch/<batch id>/<item id>"); this
// table keeps what the jobs cannot: the plan, the options and the expanded items (so a restart
// runs exactly the items that were accepted), and the final result.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE batches (
  seq         INTEGER PRIMARY KEY,
  id          TEXT NOT NULL UNIQUE,
  state       TEXT NOT NULL CHECK (state IN ('running', 'finished')),
  requester   TEXT NOT NULL,
  request_id  TEXT UNIQUE,                    -- NULL when the client gave none
  created_ms  INTEGER NOT NULL,
  finished_ms INTEGER,
  spec        TEXT NOT NULL,                  -- JSON: plan, options, items
  result      TEXT                            -- JSON: summary and item records, once finished
);
CREATE INDEX batches_by_created ON batches (created_ms, id);
CREATE INDEX batches_by_state ON batches (state, created_ms, id);
)sql";

// Version 3: fewer index entries per job. Every index is one more B-tree page that each journal
// write touches; on the test VM each cost about 7 µs of a Stop's commit. Most jobs have no
// request_id: its unique index becomes partial. The state index keeps only unfinished jobs (what
// a resume and a list of pending or running jobs read); finished ones are listed through the time
// index. The prune goes through the time index too (a job finishes after it was created), so the
// finished-time index goes. SQLite cannot drop a column's UNIQUE, so the table is rebuilt, with
// the same columns in the same order and every row's seq kept.
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE jobs_v3 (
  seq             INTEGER PRIMARY KEY,
  id              TEXT NOT NULL UNIQUE,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'running', 'finished')),
  type            TEXT NOT NULL,
  target          TEXT NOT NULL,
  options         TEXT NOT NULL,
  mode            TEXT NOT NULL CHECK (mode IN ('graceful', 'immediate')),
  grace_ms        INTEGER,
  dry_run         INTEGER NOT NULL,
  requester       TEXT NOT NULL,
  request_id      TEXT,                       -- unique when set: jobs_by_request_id
  created_ms      INTEGER NOT NULL,
  started_ms      INTEGER,
  finished_ms     INTEGER,
  deadline_ms     INTEGER NOT NULL,
  force_at_ms     INTEGER,
  attempts        INTEGER NOT NULL DEFAULT 0,
  resumed         INTEGER NOT NULL DEFAULT 0,
  stop_id         TEXT NOT NULL DEFAULT '',
  joined          INTEGER NOT NULL DEFAULT 0,
  outcome_code    TEXT,
  outcome_message TEXT,
  outcome_forced  INTEGER,
  outcome_details TEXT
);
INSERT INTO jobs_v3 SELECT * FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v3 RENAME TO jobs;

-- list(): newest first, optionally by type; by an unfinished state (the term must read exactly
-- so for SQLite to use the partial index); unfinished(): oldest first; prune: by creation.
CREATE INDEX jobs_by_created ON jobs (created_ms, id);
CREATE INDEX jobs_by_type ON jobs (type, created_ms, id);
CREATE INDEX jobs_unfinished ON jobs (state, created_ms, id) WHERE state IN ('pending', 'running');
CREATE UNIQUE INDEX jobs_by_request_id ON jobs (request_id) WHERE request_id IS NOT NULL;
)sql";

// Version 4: crash accounting. A job in flight when stopd ended without a clean shutdown counts
// one interruption; stopd quarantines a job that reached the configured number in a row instead
// of running it again (a poison stop that crashes its plugin, and with it stopd, every time).
// Rows exist only for unfinished jobs; the count is reset by a clean shutdown.
constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE interruptions (
  job_id TEXT PRIMARY KEY,
  count  INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Version 5: dead letters. An intent record the tables refuse (a constraint, a format this stopd
// cannot read) was acknowledged: it is kept here, in the transaction that would have applied it,
// never dropped. `record` is its payload as written (intent_record.hpp).
constexpr const char* kSchemaV5 = R"sql(
CREATE TABLE dead_letters (
  seq     INTEGER PRIMARY KEY,
  number  INTEGER NOT NULL,                   -- the record's number in the intent log
  kept_ms INTEGER NOT NULL,                   -- when the tables refused it
  error   TEXT NOT NULL,                      -- why
  record  BLOB NOT NULL
);
)sql";

// Version 6: schedules (issue 20). A schedule created over the API (ScheduleService) is kept here
// whole, so it comes back after a restart; a schedule of the config file has a row only once it
// was paused or resumed over the API, and then the row holds only that state (the config file
// holds the rest). `spec` is JSON: cron, tz, plan, plan_source, overlap, catch_up_s, …
constexpr const char* kSchemaV6 = R"sql(
CREATE TABLE schedules (
  name       TEXT PRIMARY KEY NOT NULL,
  origin     TEXT NOT NULL CHECK (origin IN ('api', 'config')),
  spec       TEXT,                            -- JSON object (api); NULL (config)
  paused     INTEGER NOT NULL DEFAULT 0,
  requester  TEXT NOT NULL,                   -- who created it (api), or last paused or resumed it
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Runs `step` and records `version` in one transaction.
void migrate(sqlite::Connection& db, const char* step, int version) {
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(step);
    db.exec("UPDATE meta SET value = '" + std::to_string(version) +
            "' WHERE key = 'schema_version'");
    db.exec("COMMIT");
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
}

[[noreturn]] void refuse(const std::string& file, const std::string& why) {
  throw JournalError("journal " + file + ": " + why);
}

// What stopd says of a journal SQLite finds damaged, and what to do (the README details it).
[[noreturn]] void refuse_damaged(const std::string& file, const std::string& problems) {
  refuse(file, "the file is damaged (" + problems +
                   "); stopd does not run on a damaged journal. Salvage the rows it can still "
                   "read into a new journal with `sqlite3 .dump`, as the README shows (\"Jobs "
                   "and the journal\"), and keep " +
                   file +
                   "-intents beside it; or move the file away, with its -wal and -intents "
                   "files, to start an empty journal");
}

// PRAGMA quick_check: every page of every table and index read and its structure checked (not
// that an index matches its table: integrity_check does that too, at about twice the cost).
// A damaged page is found at start, not at the first list that reads it, after jobs were
// resumed. Measured on a journal of 100,000 jobs: README, "Jobs and the journal".
void refuse_if_damaged(sqlite::Connection& db, const std::string& file) {
  constexpr int kProblemsShown = 3;
  std::string problems;
  int count = 0;
  try {
    sqlite::Statement check(db, "PRAGMA quick_check(" + std::to_string(kProblemsShown) + ")");
    while (check.step()) {
      std::string problem = check.text(0);
      if (problem == "ok") return;
      if (const std::string main = "*** in database main ***\n"; problem.starts_with(main))
        problem.erase(0, main.size());
      std::replace(problem.begin(), problem.end(), '\n', ' ');
      problems += (count++ > 0 ? "; " : "") + problem;
    }
  } catch (const sqlite::SqliteError& e) {
    // The check reports what it found, then may fail on the same damage: the report says more.
    if (e.code() != SQLITE_CORRUPT && e.code() != SQLITE_NOTADB)
      refuse(file, std::string("cannot check it: ") + e.what());
    if (problems.empty()) problems = e.what();
  }
  refuse_damaged(file, "PRAGMA quick_check: " + problems);
}

}  // namespace

const char* const kJournalSchemaSteps[kJournalSchemaVersion] = {kSchemaV1, kSchemaV2, kSchemaV3,
                                                                kSchemaV4, kSchemaV5, kSchemaV6};

const char* const kJobColumns =
    "id, state, type, target, options, mode, grace_ms, dry_run, requester, request_id, "
    "created_ms, started_ms, finished_ms, deadline_ms, force_at_ms, attempts, resumed, stop_id, "
    "joined, outcome_code, outcome_message, outcome_forced, outcome_details";

void prepare_journal(sqlite::Connection& db, const std::string& file, bool sync_full,
                     std::chrono::milliseconds busy_timeout) {
  std::int64_t application_id = 0;
  std::int64_t objects = 0;
  try {
    db.exec("PRAGMA busy_timeout = " + std::to_string(busy_timeout.count()));
    application_id = db.integer_query("PRAGMA application_id");
    objects = db.integer_query("SELECT count(*) FROM sqlite_schema");
  } catch (const sqlite::SqliteError& e) {
    if (e.code() == SQLITE_NOTADB)
      refuse(file,
             "not a stopd journal (not an SQLite database at all); move it away or set "
             "journal.file to another path");
    if (e.code() == SQLITE_CORRUPT) refuse_damaged(file, e.what());
    refuse(file, std::string("cannot read it: ") + e.what());
  }

  const bool fresh = objects == 0 && application_id == 0;
  if (!fresh && application_id != kJournalApplicationId)
    refuse(file, "not a stopd journal (an SQLite database of something else: application_id " +
                     std::to_string(application_id) + ", " + std::to_string(objects) +
                     " schema objects); set journal.file to another path");
  if (!fresh) refuse_if_damaged(db, file);  // before anything is written to it

  try {
    if (fresh) db.exec("PRAGMA auto_vacuum = INCREMENTAL");  // only before the first table
    const std::string mode = db.text_pragma("PRAGMA journal_mode = WAL");
    if (mode != "wal")
      refuse(file, "cannot use write-ahead logging (journal_mode is '" + mode +
                       "'); is the file on a network file system?");
    db.exec(sync_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    // The OS caches the file; SQLite's own cache need only hold the pages every write touches
    // (the tree's right edges, recent rows), not grow with the journal: 512 KiB.
    db.exec("PRAGMA cache_size = -512");
    db.exec("PRAGMA journal_size_limit = 67108864");  // truncate the WAL to 64 MiB when reset

    if (fresh) {
      db.exec("BEGIN IMMEDIATE");
      try {
        db.exec(kSchemaV1);
        db.exec(kSchemaV2);
        db.exec(kSchemaV3);
        db.exec(kSchemaV4);
        db.exec(kSchemaV5);
        db.exec(kSchemaV6);
        db.exec(
            "INSERT INTO meta (key, value) VALUES ('application', 'stopd-journal'), "
            "('schema_version', '" +
            std::to_string(kJournalSchemaVersion) + "')");
        db.exec("PRAGMA application_id = " + std::to_string(kJournalApplicationId));
        db.exec("COMMIT");
      } catch (...) {
        db.exec("ROLLBACK");
        throw;
      }
    }

    std::string version;
    {
      sqlite::Statement query(db, "SELECT value FROM meta WHERE key = 'schema_version'");
      if (query.step()) version = query.text(0);
    }
    if (version.empty()) refuse(file, "not a stopd journal (no schema version in its meta table)");
    int number = 0;
    try {
      number = std::stoi(version);
    } catch (const std::exception&) {
      refuse(file, "not a stopd journal (schema version '" + version + "')");
    }
    if (number > kJournalSchemaVersion)
      refuse(file, "written by a newer stopd (schema version " + version +
                       "; this stopd reads up to " + std::to_string(kJournalSchemaVersion) +
                       "); run that stopd or point journal.file elsewhere");
    if (number < 1) refuse(file, "not a stopd journal (schema version " + version + ")");
    if (number < 2) migrate(db, kSchemaV2, 2);  // a stopd without batches: add them
    if (number < 3) {                           // the jobs' indexes of version 2: fewer now
      // Rebuilds the jobs table: seconds for a journal of a million jobs.
      host_logger()->info("journal {}: upgrading schema {} to 3 ({} jobs)", file, number,
                          db.integer_query("SELECT count(*) FROM jobs"));
      migrate(db, kSchemaV3, 3);
    }
    if (number < 4) migrate(db, kSchemaV4, 4);  // interruptions: an empty table
    if (number < 5) migrate(db, kSchemaV5, 5);  // dead letters: an empty table
    if (number < 6) migrate(db, kSchemaV6, 6);  // schedules: an empty table

    // A write now: a read-only file or file system fails here, not at the first accepted job.
    sqlite::Statement opened(db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('opened', ?1)");
    opened.bind(1, std::to_string(to_ms(job_clock_now())) + " pid " + std::to_string(::getpid()));
    opened.step();
  } catch (const sqlite::SqliteError& e) {
    if (e.code() == SQLITE_READONLY) refuse(file, std::string("cannot write it: ") + e.what());
    refuse(file, e.what());
  }
}

}  // namespace stopd::core
