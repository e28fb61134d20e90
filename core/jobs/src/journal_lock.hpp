// One daemon per journal: an exclusive flock(2) on "<journal>.lock", held for the life of the
// JobStore. The kernel drops it when the process dies (kill -9 included), so a crash never
// leaves a stale lock; the file itself stays and is reused. It records the holder's pid for the
// error message of whoever comes second. A separate file rather than a lock on the database:
// closing any descriptor of the database would drop SQLite's own POSIX locks on it.
#pragma once

#include <filesystem>

namespace stopd::core {

class JournalLock {
 public:
  // Throws JournalError naming the journal (in use by pid N, or why the lock file cannot be made).
  explicit JournalLock(const std::filesystem::path& journal);
  ~JournalLock();
  JournalLock(const JournalLock&) = delete;
  JournalLock& operator=(const JournalLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace stopd::core
