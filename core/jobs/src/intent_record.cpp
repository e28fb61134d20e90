#include "intent_record.hpp"

#include <cstring>
#include <limits>

#include "stopd/jobs/job_store.hpp"

namespace stopd::core {
namespace {

// Set in a format byte; a record of format 0 starts with a row kind instead, which never has it.
constexpr unsigned char kFormatFlag = 0x80;

}  // namespace

RecordWriter::RecordWriter() {
  bytes_.push_back(static_cast<char>(kFormatFlag | kIntentRecordFormat));
}

void RecordWriter::row(RowKind kind) {
  bytes_.push_back(static_cast<char>(kind));
  count_at_ = bytes_.size();
  bytes_.push_back('\0');
}

void RecordWriter::counted() {
  if (count_at_ == std::string::npos) throw JournalError("intent record: a value before its row");
  auto& count = reinterpret_cast<unsigned char&>(bytes_[count_at_]);
  if (count == std::numeric_limits<unsigned char>::max())
    throw JournalError("intent record: too many values in one row");
  ++count;
}

void RecordWriter::bind(int, std::int64_t value) {
  counted();
  bytes_.push_back('i');
  char raw[sizeof value];
  std::memcpy(raw, &value, sizeof value);
  bytes_.append(raw, sizeof raw);
}

void RecordWriter::bind(int, std::string_view text) {
  counted();
  if (text.size() > std::numeric_limits<std::uint32_t>::max())
    throw JournalError("intent record: a value over 4 GiB");
  bytes_.push_back('t');
  const auto size = static_cast<std::uint32_t>(text.size());
  char raw[sizeof size];
  std::memcpy(raw, &size, sizeof size);
  bytes_.append(raw, sizeof raw);
  bytes_.append(text);
}

void RecordWriter::bind(int index, std::optional<std::int64_t> value) {
  if (value)
    bind(index, *value);
  else
    bind_null(index);
}

void RecordWriter::bind_null(int) {
  counted();
  bytes_.push_back('n');
}

RecordReader::RecordReader(std::string_view bytes) : bytes_(bytes) {
  if (bytes_.empty()) return;
  const auto first = static_cast<unsigned char>(bytes_[0]);
  if ((first & kFormatFlag) == 0) return;  // format 0: no format byte
  format_ = static_cast<unsigned>(first & 0x7Fu);
  at_ = 1;
  if (format_ == 0) damaged("a format byte of format 0, which has none");
  if (format_ > kIntentRecordFormat)
    throw JournalError("intent record of format " + std::to_string(format_) +
                       ", written by a newer stopd (this one reads formats 0 to " +
                       std::to_string(kIntentRecordFormat) + ")");
}

RowKind RecordReader::next_row() {
  const std::string_view head = take(2);
  const auto kind = static_cast<RowKind>(head[0]);
  if (kind != RowKind::insert_job && kind != RowKind::update_job) damaged("an unknown row kind");
  values_ = static_cast<unsigned char>(head[1]);
  return kind;
}

void RecordReader::bind_row(sqlite::Statement& statement) {
  // A row with another number of values than its statement binds was never written by stopd:
  // damage (SQLite would answer SQLITE_RANGE, which the journal retries as if it were a full
  // disk, at every start).
  if (static_cast<int>(values_) != statement.parameter_count()) {
    const std::string why = std::to_string(values_) + " values for a statement of " +
                            std::to_string(statement.parameter_count()) + " parameters";
    damaged(why.c_str());
  }
  for (unsigned i = 1; i <= values_; ++i) {
    const int index = static_cast<int>(i);
    switch (take(1)[0]) {
      case 'n':
        statement.bind_null(index);
        break;
      case 'i': {
        std::int64_t value = 0;
        std::memcpy(&value, take(sizeof value).data(), sizeof value);
        statement.bind(index, value);
        break;
      }
      case 't': {
        std::uint32_t size = 0;
        std::memcpy(&size, take(sizeof size).data(), sizeof size);
        statement.bind(index, take(size));
        break;
      }
      default:
        damaged("an unknown value tag");
    }
  }
  values_ = 0;
}

std::string_view RecordReader::take(std::size_t size) {
  if (bytes_.size() - at_ < size) damaged("cut short");
  const std::string_view part = bytes_.substr(at_, size);
  at_ += size;
  return part;
}

void RecordReader::damaged(const char* why) const {
  throw JournalError(std::string("intent record damaged: ") + why + " at byte " +
                     std::to_string(at_));
}

}  // namespace stopd::core
