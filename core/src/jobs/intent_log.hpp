// The journal's intent log: an append-only file of numbered, checksummed records in front of its
// SQLite tables. With synchronous=NORMAL a journal write need only survive a crash of the daemon,
// and a write() into the file does that in one system call where a SQLite commit costs a
// transaction, several WAL frames and six lock calls. The journal applies the records to its
// tables in batches, notes the last one applied in the same transaction, and starts the file
// over once everything in it is applied (job_store.cpp).
//
// A record is [u32 size][u32 CRC-32 of what follows][u64 number][payload], in the host's byte
// order: the file never leaves the machine. A crash mid-write can leave only the last record
// torn, and that one was never acknowledged: reading stops at the first record that is cut short
// or fails its checksum, and the file is cut there.
//
// Not thread-safe: the journal serializes appends (the numbers must follow the file's order).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace stopd::core {

class IntentLog {
 public:
  struct Record {
    std::uint64_t number = 0;
    std::string payload;
  };

  // Opens or creates `file` (mode 0600) and reads what it holds. Throws JournalError naming the
  // file and why.
  explicit IntentLog(std::filesystem::path file);
  ~IntentLog();
  IntentLog(const IntentLog&) = delete;
  IntentLog& operator=(const IntentLog&) = delete;

  // The records found at open, oldest first, up to the first damaged one (once: moved out).
  std::vector<Record> take_found() { return std::move(found_); }
  // Bytes cut off at open: a torn or damaged tail (0 for a clean file).
  std::uint64_t cut_bytes() const { return cut_bytes_; }

  // One write() (more only if the kernel takes it in parts). On failure the file is cut back to
  // where it was, so a half-written record never hides the ones after it, and JournalError says
  // why (a full disk, …).
  void append(std::uint64_t number, std::string_view payload);
  // Starts the file over (everything in it is applied). Throws JournalError.
  void clear();

  std::uint64_t size() const { return end_; }
  const std::filesystem::path& file() const { return file_; }

  // The largest payload a record may carry: a bigger size field means damage, not a record.
  static constexpr std::uint32_t kMaxPayload = 64u << 20;

 private:
  void read_all();
  [[noreturn]] void fail(const std::string& what, int error) const;

  std::filesystem::path file_;
  int fd_ = -1;
  std::uint64_t end_ = 0;
  std::uint64_t cut_bytes_ = 0;
  std::vector<Record> found_;
  std::string frame_;  // reused: one allocation for every append
};

}  // namespace stopd::core
