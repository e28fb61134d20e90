// What one intent-log record carries: the rows of one journal write, each as the values its
// statement binds, in order. The journal's bind functions write either into a prepared statement
// or into a RecordWriter (both have bind()/bind_null()), so a record applied later, or replayed
// after a crash, binds exactly what a direct write would have.
//
// Layout: a format byte (0x80 | kIntentRecordFormat), then per row a kind byte, a count byte, then
// each value as a tag byte ('n' null, 'i' a 64-bit integer, 't' a u32 length and the bytes).
// Records written before the format byte existed (format 0) start with their first row's kind
// (1 or 2) and have format 1's rows. A record of a format this stopd does not know is refused
// (JournalError), never guessed at: the journal keeps it as a dead letter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sqlite.hpp"

namespace stopd::core {

enum class RowKind : std::uint8_t { insert_job = 1, update_job = 2 };

// The format this stopd writes; it reads this one and every older one.
inline constexpr std::uint8_t kIntentRecordFormat = 1;

class RecordWriter {
 public:
  RecordWriter();
  void row(RowKind kind);
  // The index is the statement's parameter number; values are kept in the order they come.
  void bind(int index, std::int64_t value);
  void bind(int index, std::string_view text);
  void bind(int index, std::optional<std::int64_t> value);
  void bind_null(int index);

  const std::string& bytes() const& { return bytes_; }
  std::string bytes() && { return std::move(bytes_); }

 private:
  void counted();
  std::string bytes_;
  std::size_t count_at_ = std::string::npos;
};

class RecordReader {
 public:
  // Reads the format byte. Throws JournalError for a format newer than kIntentRecordFormat.
  explicit RecordReader(std::string_view bytes);
  unsigned format() const { return format_; }
  bool done() const { return at_ == bytes_.size(); }
  // The next row's kind; then bind_row() binds its values. Throws JournalError if malformed.
  RowKind next_row();
  void bind_row(sqlite::Statement& statement);

 private:
  [[noreturn]] void damaged(const char* why) const;
  std::string_view take(std::size_t size);
  std::string_view bytes_;
  std::size_t at_ = 0;
  unsigned values_ = 0;
  unsigned format_ = 0;
};

}  // namespace stopd::core
