#include "journal_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "stopd/jobs/job_store.hpp"

namespace stopd::core {

JournalLock::JournalLock(const std::filesystem::path& journal) {
  const std::filesystem::path path = journal.string() + ".lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0)
    throw JournalError("journal " + journal.string() + ": cannot create the lock file " +
                       path.string() + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char holder[32] = {};
    const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      std::string pid = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      throw JournalError("journal " + journal.string() + ": in use by another stopd" +
                         (pid.empty() ? "" : " (pid " + pid + ")") + "; lock file " +
                         path.string());
    }
    throw JournalError("journal " + journal.string() + ": cannot lock " + path.string() + ": " +
                       std::strerror(error));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // Only the message of a second daemon would lack the pid; the lock itself holds.
  }
}

JournalLock::~JournalLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace stopd::core
