// The journal's one way into its tables: the writing connection, and group commit over it.
//
// SQLite lets one transaction write at a time, and each commit costs an fsync. So, as LevelDB's
// DBImpl::Write does, callers hand their write (a unit of work) to this object: a caller that
// finds a commit in progress queues behind it, and the next commit carries every queued unit in
// one transaction, one fsync. Once the connection is handed over (prepare_journal() has set up
// the schema on it before), nothing else writes to the journal. The one other connection on
// the file is WalCheckpointer's: it copies the WAL into the file and writes no rows, and its
// catch-up runs inside this connection's commits, through a WAL hook.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "sqlite.hpp"

namespace stopd::core {

class JournalWriter {
 public:
  // What goes into every commit ahead of its units, in the same transaction: the intent records
  // appended before them (IntentApplier), so the tables see every change in the order it was
  // acknowledged. Called only by the thread leading a commit, one commit at a time.
  class Prelude {
   public:
    virtual ~Prelude() = default;
    // Before the transaction begins: takes what this commit carries. False: nothing.
    virtual bool take() = 0;
    // Inside the transaction, before any unit. Throwing fails the whole commit.
    virtual void apply() = 0;
    // The commit is durable: what take() took is in the tables.
    virtual void committed() = 0;
    // The transaction failed (its begin, apply() or its commit): what take() took goes back.
    virtual void failed() = 0;
  };

  // `connection` is the journal's, already made one (prepare_journal()). `on_write` as
  // JournalOptions::on_write (may be empty). Throws sqlite::SqliteError.
  JournalWriter(std::unique_ptr<sqlite::Connection> connection,
                std::function<void(std::chrono::nanoseconds)> on_write);
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // The writing connection: for preparing statements and reading before the first unit of work,
  // and for a unit of work (or Prelude::apply()) while it runs. Anywhere else the thread leading
  // a commit may be using it.
  sqlite::Connection& connection() { return *connection_; }

  // Set before the first write, or cleared when no more should be taken.
  void set_prelude(Prelude* prelude) { prelude_ = prelude; }

  // Runs `unit` inside a transaction shared with whoever writes at the same time; returns when
  // that transaction is durable. Throws what `unit` threw, or the commit's error. Reported to
  // on_write unless `report` is false (a write that only applies intent records: the metric is
  // the latency callers see).
  void write(std::function<void()> unit, bool report = true);

  // on_write for a write that took no commit (an intent-log append) and began at `begun`.
  void reported(std::chrono::steady_clock::time_point begun) const;

  // Inside a unit of work or Prelude::apply(): the savepoint each unit of a shared commit runs
  // in. rollback_to_savepoint() undoes what was written since savepoint(); release_savepoint()
  // ends it either way.
  void savepoint() { step(savepoint_); }
  void rollback_to_savepoint() { step(rollback_to_); }
  void release_savepoint() { step(release_); }

 private:
  // One caller's unit, applied by whichever thread leads the group commit it joins.
  struct WriteOp {
    std::function<void()> apply;
    std::exception_ptr error;
    bool done = false;
  };

  static void step(sqlite::Statement& statement);
  void run_batch(const std::vector<WriteOp*>& batch);
  void try_rollback();

  std::unique_ptr<sqlite::Connection> connection_;  // used only by the thread leading a commit
  const std::function<void(std::chrono::nanoseconds)> on_write_;
  sqlite::Statement begin_, commit_, rollback_, savepoint_, release_, rollback_to_;
  Prelude* prelude_ = nullptr;

  // Writers queue up; one leads, applying every queued unit in one transaction (one fsync),
  // while the next ones queue behind it.
  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::vector<WriteOp*> queue_;
  bool leading_ = false;
};

}  // namespace stopd::core
