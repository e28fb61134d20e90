// The journal's schema, and the checks that a file is a journal this stopd may write.
//
//   meta(key, value)   "application" = "stopd-journal", "schema_version" = "6", "opened" = …
//   jobs(…)            one row per job: every field of core::Job (see job_store.cpp)
//   batches(…)         one row per batch: its plan, options, items and result (batch_store.cpp)
//   interruptions(job_id, count)
//                      per unfinished job: how many times in a row stopd ended without a clean
//                      shutdown while it was in flight (JobStore::interruptions())
//   dead_letters(…)    intent records the tables refused, kept as written with why
//                      (JobStore::dead_letters())
//   schedules(…)       one row per schedule created over the API (its definition), or per
//                      config-file schedule paused or resumed over the API (that state only)
//   meta "session"     present while a JobStore has the file open; one found at open means the
//                      last one ended without closing it (a crash, kill -9, exit() in a plugin)
//
// The file also carries PRAGMA application_id 0x73747064 ("stpd"), so `file(1)`-style tools and
// this check tell a journal from any other SQLite database.
#pragma once

#include <chrono>
#include <string>

#include "sqlite.hpp"

namespace stopd::core {

// 1: jobs; 2: + batches; 3: leaner indexes; 4: + interruptions; 5: + dead letters;
// 6: + schedules
inline constexpr int kJournalSchemaVersion = 6;
inline constexpr int kJournalApplicationId = 0x73747064;

// On the writing connection: refuses a file that is not a stopd journal, is damaged (PRAGMA
// quick_check, before anything is written) or has a newer schema, sets the pragmas (WAL,
// synchronous, foreign keys, how long a write waits for another process's lock), creates the
// schema in a new or empty file, and records the open (a write, so a read-only file fails now
// rather than at the first job). Throws JournalError naming `file`.
void prepare_journal(sqlite::Connection& db, const std::string& file, bool sync_full,
                     std::chrono::milliseconds busy_timeout);

// The schema's steps as shipped, oldest first: step N makes a version N-1 journal version N. A
// test builds an older journal from them.
extern const char* const kJournalSchemaSteps[kJournalSchemaVersion];

// The columns of a job row in the order read_job() (job_store.cpp) expects.
extern const char* const kJobColumns;

}  // namespace stopd::core
