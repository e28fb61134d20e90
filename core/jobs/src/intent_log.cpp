#include "intent_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>

#include "stopd/jobs/job_store.hpp"

namespace stopd::core {
namespace {

constexpr std::size_t kHeader = 4 + 4 + 8;  // size, checksum, number

std::uint32_t checksum(const char* data, std::size_t size) {
  boost::crc_32_type crc;
  crc.process_bytes(data, size);
  return crc.checksum();
}

template <typename T>
T load(const char* at) {
  T value;
  std::memcpy(&value, at, sizeof value);
  return value;
}

template <typename T>
void store(char* at, T value) {
  std::memcpy(at, &value, sizeof value);
}

enum class Frame { whole, cut_short, bad };

Frame frame_at(std::string_view bytes, std::uint64_t at) {
  const std::uint64_t left = bytes.size() - at;
  if (left < kHeader) return Frame::cut_short;
  const char* frame = bytes.data() + at;
  const auto size = load<std::uint32_t>(frame);
  if (size > IntentLog::kMaxPayload) return Frame::bad;
  if (left - kHeader < size) return Frame::cut_short;
  if (load<std::uint32_t>(frame + 4) != checksum(frame + 8, 8 + size)) return Frame::bad;
  return Frame::whole;
}

// The offset of the first whole record after damage that begins at `from`, or nullopt. Records
// are numbered one after another, so the one at offset p follows `number_before` (0: none) and
// is numbered at most number_before + 1 + (p - from) / kHeader: every record lost in between
// took a header at least. That rules out almost every offset before its checksum is computed;
// the checksums still computed take from `budget`, and when it runs out the search gives up.
std::optional<std::uint64_t> next_whole(std::string_view bytes, std::uint64_t from,
                                        std::uint64_t number_before, std::uint64_t& budget,
                                        bool& gave_up) {
  for (std::uint64_t at = from + 1; bytes.size() - at >= kHeader; ++at) {
    const char* frame = bytes.data() + at;
    const auto size = load<std::uint32_t>(frame);
    if (size > IntentLog::kMaxPayload || bytes.size() - at - kHeader < size) continue;
    const auto number = load<std::uint64_t>(frame + 8);
    if (number <= number_before) continue;
    if (number_before > 0 && number - number_before - 1 > (at - from) / kHeader) continue;
    const std::uint64_t cost = 8 + std::uint64_t{size};
    if (cost > budget) {
      gave_up = true;
      return std::nullopt;
    }
    budget -= cost;
    if (load<std::uint32_t>(frame + 4) == checksum(frame + 8, cost)) return at;
  }
  return std::nullopt;
}

}  // namespace

IntentLog::IntentLog(std::filesystem::path file) : file_(std::move(file)) {
  fd_ = ::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) fail("cannot open it", errno);
  try {
    read_all();
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

IntentLog::~IntentLog() {
  if (fd_ >= 0) ::close(fd_);
}

void IntentLog::read_all() {
  struct stat info {};
  if (::fstat(fd_, &info) != 0) fail("cannot stat it", errno);
  const auto total = static_cast<std::uint64_t>(info.st_size);
  std::string bytes(total, '\0');
  std::uint64_t got = 0;
  while (got < total) {
    const ssize_t n = ::pread(fd_, bytes.data() + got, total - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read it", errno);
    if (n == 0) break;
    got += static_cast<std::uint64_t>(n);
  }
  const std::string_view content(bytes.data(), got);
  std::uint64_t budget = kMaxSearchBytes;
  std::uint64_t number_before = 0;
  std::uint64_t at = 0;
  while (at < got) {
    const Frame frame = frame_at(content, at);
    if (frame == Frame::whole) {
      const auto size = load<std::uint32_t>(content.data() + at);
      number_before = load<std::uint64_t>(content.data() + at + 8);
      found_.push_back(Record{number_before, std::string(content.substr(at + kHeader, size))});
      at += kHeader + size;
      end_ = at;
      continue;
    }
    const auto next = next_whole(content, at, number_before, budget, search_gave_up_);
    if (!next && frame == Frame::cut_short && !search_gave_up_) {
      torn_bytes_ = total - at;  // the last record, cut short by a crash: never acknowledged
      break;
    }
    damage_.push_back(Damage{at, next.value_or(total), number_before,
                             next ? load<std::uint64_t>(content.data() + *next + 8) : 0});
    if (!next) break;
    at = *next;
  }
  // The next record must follow the last whole one.
  if (end_ < total && ::ftruncate(fd_, static_cast<off_t>(end_)) != 0)
    fail("cannot cut off its torn or damaged tail", errno);
}

void IntentLog::append(std::uint64_t number, std::string_view payload) {
  if (payload.size() > kMaxPayload)
    throw JournalError("journal intent log " + file_.string() + ": a record of " +
                       std::to_string(payload.size()) + " bytes is over the limit of " +
                       std::to_string(kMaxPayload));
  frame_.resize(kHeader + payload.size());
  char* frame = frame_.data();
  store(frame, static_cast<std::uint32_t>(payload.size()));
  store(frame + 8, number);
  std::memcpy(frame + kHeader, payload.data(), payload.size());
  store(frame + 4, checksum(frame + 8, 8 + payload.size()));

  std::size_t written = 0;
  while (written < frame_.size()) {
    const ssize_t n =
        ::pwrite(fd_, frame + written, frame_.size() - written, static_cast<off_t>(end_ + written));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      // Cut back: the next record must follow the last whole one.
      if (written > 0 && ::ftruncate(fd_, static_cast<off_t>(end_)) != 0) {
        // Still safe: the next append writes from end_ over the partial bytes.
      }
      fail("cannot append a record", error);
    }
    written += static_cast<std::size_t>(n);
  }
  end_ += frame_.size();
  if (frame_.capacity() > (1u << 20)) std::string().swap(frame_);  // keep no huge buffer
}

void IntentLog::clear() {
  if (end_ == 0) return;
  if (::ftruncate(fd_, 0) != 0) fail("cannot start it over", errno);
  end_ = 0;
}

void IntentLog::fail(const std::string& what, int error) const {
  throw JournalError("journal intent log " + file_.string() + ": " + what + ": " +
                     std::strerror(error));
}

}  // namespace stopd::core
