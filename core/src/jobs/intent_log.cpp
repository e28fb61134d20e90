#include "intent_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <cerrno>
#include <cstring>

#include "stopd/core/job_store.hpp"

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
  std::uint64_t at = 0;
  while (got - at >= kHeader) {
    const char* frame = bytes.data() + at;
    const auto size = load<std::uint32_t>(frame);
    if (size > kMaxPayload || got - at - kHeader < size) break;
    if (load<std::uint32_t>(frame + 4) != checksum(frame + 8, 8 + size)) break;
    found_.push_back(Record{load<std::uint64_t>(frame + 8), std::string(frame + kHeader, size)});
    at += kHeader + size;
  }
  end_ = at;
  cut_bytes_ = total - at;
  if (cut_bytes_ > 0 && ::ftruncate(fd_, static_cast<off_t>(end_)) != 0)
    fail("cannot cut off its damaged tail", errno);
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
