// The journal's intent log: an append-only file of numbered, checksummed records in front of its
// SQLite tables. With synchronous=NORMAL a journal write need only survive a crash of the daemon,
// and a write() into the file does that in one system call where a SQLite commit costs a
// transaction, several WAL frames and six lock calls. The journal applies the records to its
// tables in batches, notes the last one applied in the same transaction, and starts the file
// over once everything in it is applied (intent_applier.cpp).
//
// A record is [u32 size][u32 CRC-32 of what follows][u64 number][payload], in the host's byte
// order: the file never leaves the machine. A crash mid-write can leave only the last record
// torn, and that one was never acknowledged: a last record cut short, with nothing whole after
// it, is cut off. Anything else that is not a whole record (it fails its checksum, or its size
// field is absurd, or whole records follow it) is damage: a flipped bit, a bad sector. Reading
// then looks for the next whole record and goes on from there; the numbers, which follow one
// another, tell which records the damage took.
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

  // A stretch of the file, found at open, that holds no whole record and is not a torn tail.
  struct Damage {
    std::uint64_t begin = 0;  // byte offsets in the file, `end` excluded
    std::uint64_t end = 0;
    std::uint64_t number_before = 0;  // the last whole record's before it; 0: none
    // The first whole record's after it; 0: none (the damage runs to the end and is cut off).
    std::uint64_t number_after = 0;
  };

  // The whole records found at open, oldest first, damage skipped (once: moved out).
  std::vector<Record> take_found() { return std::move(found_); }
  // Bytes of a torn last record cut off at open (0: none).
  std::uint64_t torn_bytes() const { return torn_bytes_; }
  // Damage found at open, in the file's order (empty for a file that is whole but for a torn tail).
  const std::vector<Damage>& damage() const { return damage_; }
  // The search for a whole record after damage gave up at kMaxSearchBytes: the last damage runs
  // to the end of the file, though whole records may be in it.
  bool search_gave_up() const { return search_gave_up_; }

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
  // After damage, the search for the next whole record checksums at most this many bytes (in
  // all, over the whole file): a damaged file of many megabytes costs a fraction of a second.
  static constexpr std::uint64_t kMaxSearchBytes = 64u << 20;

 private:
  void read_all();
  [[noreturn]] void fail(const std::string& what, int error) const;

  std::filesystem::path file_;
  int fd_ = -1;
  std::uint64_t end_ = 0;
  std::uint64_t torn_bytes_ = 0;
  std::vector<Record> found_;
  std::vector<Damage> damage_;
  bool search_gave_up_ = false;
  std::string frame_;  // reused: one allocation for every append
};

}  // namespace stopd::core
