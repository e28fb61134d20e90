#include "wal_checkpointer.hpp"

#include "stopd/core/logging.hpp"

namespace stopd::core {
namespace {

// A checkpoint that cannot finish (a reader still uses old frames) is not retried on every
// commit: at most this often.
constexpr std::chrono::milliseconds kMinInterval{50};

}  // namespace

WalCheckpointer::WalCheckpointer(const std::string& file, bool sync_full,
                                 sqlite::Connection& writer, std::shared_ptr<spdlog::logger> logger)
    : file_(file),
      log_(logger ? std::move(logger) : host_logger()),
      writer_(writer),
      connection_(file, SQLITE_OPEN_READWRITE) {
  connection_.exec("PRAGMA busy_timeout = 5000");
  connection_.exec(sync_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  thread_ = std::thread([this] { run(); });
  sqlite3_wal_hook(writer_.handle(), &WalCheckpointer::on_commit, this);
}

WalCheckpointer::~WalCheckpointer() {
  // No commit may call into this object any more: the writer is idle while its owner is
  // destroyed, and SQLite checkpoints once more when the last connection closes.
  sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wanted_cv_.notify_one();
  thread_.join();
}

unsigned long WalCheckpointer::completed() const {
  std::lock_guard lock(mutex_);
  return completed_;
}

unsigned long WalCheckpointer::caught_up() const {
  return caught_up_.load();
}

int WalCheckpointer::on_commit(void* self, sqlite3* db, const char*, int wal_pages) {
  auto& checkpointer = *static_cast<WalCheckpointer*>(self);
  const int copied = checkpointer.copied_.load(std::memory_order_acquire);
  if ((copied != kNone && wal_pages - copied <= kCatchUpPages) || wal_pages >= kLimitPages) {
    checkpointer.catch_up(db);
    return SQLITE_OK;
  }
  if (wal_pages < kThresholdPages) return SQLITE_OK;
  {
    std::lock_guard lock(checkpointer.mutex_);
    if (checkpointer.wanted_) return SQLITE_OK;
    checkpointer.wanted_ = true;
  }
  checkpointer.wanted_cv_.notify_one();
  return SQLITE_OK;
}

void WalCheckpointer::catch_up(sqlite3* db) {
  int frames = 0;
  int copied = 0;
  // Passive: if the background pass still runs this is busy at once, and the next commit tries.
  const int rc =
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
  if (rc == SQLITE_OK && copied == frames) {
    copied_.store(kNone, std::memory_order_release);
    caught_up_.fetch_add(1);
  }
}

void WalCheckpointer::run() {
  bool failing = false;
  std::unique_lock lock(mutex_);
  for (;;) {
    wanted_cv_.wait(lock, [&] { return wanted_ || stopping_; });
    if (stopping_) return;
    lock.unlock();
    // Passive: copies what no reader still needs, never waits for the writer. An error (busy,
    // I/O) leaves the frames in the WAL, where they are as durable; the next commit asks again.
    int frames = 0;
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(connection_.handle(), nullptr,
                                             SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    if (rc == SQLITE_OK) {
      // `frames` is the WAL as this pass began; commits went on meanwhile. One of them copies
      // the rest once it is small (see the header).
      copied_.store(copied, std::memory_order_release);
      if (failing) log_->info("journal {}: checkpoints work again", file_);
      failing = false;
    } else if (rc != SQLITE_BUSY && !failing) {  // once per run of failures: the WAL grows
      failing = true;
      log_->warn("journal {}: checkpoint failed ({}); the WAL grows until one succeeds", file_,
                 sqlite3_errstr(rc));
    }
    lock.lock();
    if (rc == SQLITE_OK) ++completed_;
    wanted_ = false;
    wanted_cv_.wait_for(lock, kMinInterval, [&] { return stopping_; });
    if (stopping_) return;
  }
}

}  // namespace stopd::core
