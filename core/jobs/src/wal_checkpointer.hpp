// Checkpoints of the journal's WAL on a thread of their own.
//
// A checkpoint copies the WAL back into the database file and syncs it: a few milliseconds.
// SQLite runs it inside the commit that takes the WAL past 1000 pages, and that commit is a
// Stop whose caller waits for its answer. This installs a WAL hook on the writing connection
// instead (which turns SQLite's own automatic checkpoints off) and runs passive checkpoints,
// which never block the writer, through a connection of its own.
//
// SQLite starts the WAL over only for a writer that finds it wholly copied, which a background
// pass never leaves it under a steady stream of commits (they add frames while it copies): the
// WAL grew without bound (116 MB within seconds of the rpc bench), and every commit appended to
// the end of an ever longer file. So once a background pass has copied most of it, the commit
// that sees the rest small copies the rest itself, and the next write starts the WAL over.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "sqlite.hpp"

namespace spdlog {
class logger;
}

namespace stopd::core {

class WalCheckpointer {
 public:
  // The WAL size in pages that asks for a checkpoint: four times SQLite's default, so the
  // commit that catches up (a sync of the WAL and of the database: most of a millisecond) is
  // one in some 800 of a busy daemon's, not one in 200. The WAL is then about 16 MiB.
  static constexpr int kThresholdPages = 4000;
  // What a commit copies itself after a background pass: at most this many pages...
  static constexpr int kCatchUpPages = 256;
  // ...unless the WAL is this long: then all of it, as SQLite itself would, so the WAL stays
  // bounded under any load.
  static constexpr int kLimitPages = 4 * kThresholdPages;

  // `writer` is the journal's writing connection on `file`; it outlives this object. Throws
  // sqlite::SqliteError when the checkpoint connection cannot be opened.
  WalCheckpointer(const std::string& file, bool sync_full, sqlite::Connection& writer,
                  std::shared_ptr<spdlog::logger> logger = nullptr);  // null: host_logger()
  // Stops the thread (a checkpoint in progress finishes) and removes the hook.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Checkpoints run so far (tests): by the thread, and by commits catching up.
  unsigned long completed() const;
  unsigned long caught_up() const;

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  // On the writer's thread, inside its commit: copies what is left of the WAL.
  void catch_up(sqlite3* db);
  void run();

  const std::string file_;
  const std::shared_ptr<spdlog::logger> log_;
  sqlite::Connection& writer_;
  sqlite::Connection connection_;
  mutable std::mutex mutex_;
  std::condition_variable wanted_cv_;
  bool wanted_ = false;
  bool stopping_ = false;
  unsigned long completed_ = 0;
  std::atomic<unsigned long> caught_up_{0};
  // The WAL frames the last background pass left copied; kNone when no catch-up is due.
  static constexpr int kNone = -1;
  std::atomic<int> copied_{kNone};
  std::thread thread_;
};

}  // namespace stopd::core
