// Checkpoints of the journal's WAL on a thread of their own.
//
// A checkpoint copies the WAL back into the database file and syncs it: a few milliseconds.
// SQLite runs it inside the commit that takes the WAL past 1000 pages, and that commit is a
// Stop whose caller waits for its answer. This installs a WAL hook on the writing connection
// instead (which turns SQLite's own automatic checkpoints off) and runs passive checkpoints,
// which never block the writer, through a connection of its own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "sqlite.hpp"

namespace stopd::core {

class WalCheckpointer {
 public:
  // The WAL size in pages that asks for a checkpoint (SQLite's own default threshold).
  static constexpr int kThresholdPages = 1000;

  // `writer` is the journal's writing connection on `file`; it outlives this object. Throws
  // sqlite::SqliteError when the checkpoint connection cannot be opened.
  WalCheckpointer(const std::string& file, bool sync_full, sqlite::Connection& writer);
  // Stops the thread (a checkpoint in progress finishes) and removes the hook.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Checkpoints run so far (tests).
  unsigned long completed() const;

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run();

  const std::string file_;
  sqlite::Connection& writer_;
  sqlite::Connection connection_;
  mutable std::mutex mutex_;
  std::condition_variable wanted_cv_;
  bool wanted_ = false;
  bool stopping_ = false;
  unsigned long completed_ = 0;
  std::thread thread_;
};

}  // namespace stopd::core
