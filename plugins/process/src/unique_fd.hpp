// Owns one file descriptor. Every pidfd, epoll, timer and event descriptor of the provider lives in
// one of these, so no error path can leak a descriptor (10,000 concurrent stops hold 10,000
// pidfds).
#pragma once

#include <unistd.h>

#include <utility>

namespace stopd::process {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }

  void reset(int fd = -1) noexcept {
    // close() releases the descriptor even when it reports EINTR; retrying could close a
    // descriptor another thread has just been given.
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace stopd::process
