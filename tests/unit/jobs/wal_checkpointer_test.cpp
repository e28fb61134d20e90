// WalCheckpointer: the journal's WAL is copied back into the database file by a thread of its
// own once the WAL passes the threshold, and started over by the writer once that is done.
#include "wal_checkpointer.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <thread>

#include "jobs_test_support.hpp"
#include "stopd/jobs/job_store.hpp"

namespace stopd::test {
namespace {

using core::WalCheckpointer;
using namespace std::chrono_literals;

std::uintmax_t size_of(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  return ec ? 0 : size;
}

// A small row per commit: each commit adds one page to the WAL (two when a leaf splits).
void write_pages(core::sqlite::Connection& db, int commits) {
  for (int i = 0; i < commits; ++i) db.exec("INSERT INTO t (v) VALUES (randomblob(100))");
}

// A journal's writing connection, as JobStore sets it up, with one table of blobs.
struct WalWriter : core::sqlite::Connection {
  explicit WalWriter(const std::string& file)
      : Connection(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) {
    exec("PRAGMA journal_mode = WAL");
    exec("PRAGMA synchronous = NORMAL");
    exec("CREATE TABLE t (v BLOB)");
  }
};

TEST(WalCheckpointer, CheckpointsOnItsOwnThreadOnceTheWalPassesTheThreshold) {
  TempDir dir;
  const std::string file = dir.journal().string();
  WalWriter writer(file);
  WalCheckpointer checkpointer(file, false, writer);
  const auto db_before = size_of(file);

  write_pages(writer, WalCheckpointer::kThresholdPages * 2 / 5);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(checkpointer.completed(), 0u) << "below the threshold";
  EXPECT_EQ(size_of(file), db_before);

  write_pages(writer, WalCheckpointer::kThresholdPages);
  ASSERT_TRUE(eventually([&] { return checkpointer.completed() >= 1; }));
  // The rows are in the database file now, not only in the WAL.
  EXPECT_GT(size_of(file), db_before + 1000u * 100u);
}

// After a background pass, the commit that finds the rest of the WAL small copies it, so the next
// write starts the WAL over instead of appending to it.
TEST(WalCheckpointer, ACommitCopiesWhatThePassLeftAndTheWalStartsOver) {
  TempDir dir;
  const std::string file = dir.journal().string();
  WalWriter writer(file);
  WalCheckpointer checkpointer(file, false, writer);
  write_pages(writer, WalCheckpointer::kThresholdPages + 10);
  ASSERT_TRUE(eventually([&] { return checkpointer.completed() >= 1; }));
  write_pages(writer, 1);
  EXPECT_GE(checkpointer.caught_up(), 1u);

  const auto wal = size_of(file + "-wal");
  write_pages(writer, WalCheckpointer::kThresholdPages / 2);
  EXPECT_EQ(size_of(file + "-wal"), wal) << "the WAL grew: it was not started over";
}

// Commits back to back, faster than a background pass copies: the WAL still stops growing.
TEST(WalCheckpointer, TheWalStaysBoundedUnderCommitsBackToBack) {
  TempDir dir;
  const std::string file = dir.journal().string();
  WalWriter writer(file);
  WalCheckpointer checkpointer(file, false, writer);
  write_pages(writer, 2 * WalCheckpointer::kLimitPages);
  // A frame is a page and its 24-byte header; a leaf split can add a page to a commit.
  const std::uintmax_t bound =
      std::uintmax_t{WalCheckpointer::kLimitPages + WalCheckpointer::kThresholdPages} * (4096 + 24);
  EXPECT_LE(size_of(file + "-wal"), bound);
  EXPECT_GE(checkpointer.caught_up(), 1u);
}

TEST(WalCheckpointer, TheJournalIsCheckpointedWhileItIsOpen) {
  TempDir dir;
  core::JobStore store(dir.journal());
  const auto db_before = size_of(dir.journal());
  // Enough single-job commits to pass the threshold several times over.
  for (int i = 0; i < 1500; ++i)
    store.insert(pending_job("j-" + std::to_string(i), 1'700'000'000'000 + i));
  EXPECT_TRUE(eventually([&] { return size_of(dir.journal()) > db_before; }));
  for (int i = 0; i < 1500; i += 250) EXPECT_TRUE(store.get("j-" + std::to_string(i)));
}

}  // namespace
}  // namespace stopd::test
