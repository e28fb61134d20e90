#include "frame_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

namespace stopd::core {
namespace {

// What one read asks for room for.
constexpr std::size_t kReadChunk = 256 * 1024;

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

FrameSocket::FrameSocket(int fd, std::size_t max_frame, Handlers handlers)
    : fd_(fd),
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      handlers_(std::move(handlers)),
      in_(max_frame) {
  if (wake_fd_ < 0) {
    ::close(fd_);
    throw std::runtime_error(errno_text("eventfd"));
  }
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

FrameSocket::~FrameSocket() {
  ::close(wake_fd_);
  ::close(fd_);
}

void FrameSocket::signal() {
  const std::uint64_t one = 1;
  ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
  (void)ignored;
}

void FrameSocket::wake() {
  if (!wake_asked_.exchange(true)) signal();
}

void FrameSocket::stop() {
  stopping_ = true;
  signal();
}

void FrameSocket::close_write() {
  ::shutdown(fd_, SHUT_WR);
}

bool FrameSocket::send_some(std::size_t& offset, std::string& why) {
  while (offset < out_.size()) {
    const ssize_t sent =
        ::send(fd_, out_.data() + offset, out_.size() - offset, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent > 0) {
      offset += static_cast<std::size_t>(sent);
    } else if (sent < 0 && errno == EINTR) {
      continue;
    } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;
    } else {
      why = errno_text("send");
      return false;
    }
  }
  return true;
}

FrameSocket::Sent FrameSocket::write(const google::protobuf::MessageLite& message) {
  const std::size_t size = message.ByteSizeLong();
  if (size > std::numeric_limits<std::uint32_t>::max()) return Sent::failed;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return Sent::failed;
  }
  out_.resize(kFrameHeader + size);  // keeps its capacity from one frame to the next
  encode_frame_length(static_cast<std::uint32_t>(size), out_.data());
  message.SerializeWithCachedSizesToArray(
      reinterpret_cast<std::uint8_t*>(out_.data() + kFrameHeader));
  std::size_t offset = 0;
  std::string why;
  if (!send_some(offset, why)) return Sent::failed;  // run() sees the broken socket by itself
  if (offset == out_.size()) return Sent::now;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return Sent::failed;
    out_offset_ = offset;
    pending_ = true;
  }
  signal();  // run()'s thread now waits for the socket to take more
  return Sent::later;
}

bool FrameSocket::finish_write(std::string& why) {
  const bool sent = send_some(out_offset_, why);
  if (sent && out_offset_ < out_.size()) return true;  // more when the socket takes it
  {
    std::lock_guard lock(mutex_);
    pending_ = false;
  }
  handlers_.on_written(sent);
  return sent;
}

bool FrameSocket::read_frames(std::string& why) {
  const std::span<char> space = in_.space(kReadChunk);
  const ssize_t got = ::recv(fd_, space.data(), space.size(), MSG_DONTWAIT);
  if (got == 0) {
    why = "the peer closed the connection";
    return false;
  }
  if (got < 0) {
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return true;
    why = errno_text("recv");
    return false;
  }
  in_.commit(static_cast<std::size_t>(got));
  return in_.drain(handlers_.on_frame, why);
}

void FrameSocket::run() {
  std::string why;
  while (true) {
    if (stopping_) {
      why = "stopped";
      break;
    }
    bool pending = false;
    {
      std::lock_guard lock(mutex_);
      pending = pending_;
    }
    pollfd fds[2] = {{fd_, static_cast<short>(POLLIN | (pending ? POLLOUT : 0)), 0},
                     {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      why = errno_text("poll");
      break;
    }
    if (fds[1].revents & POLLIN) {
      std::uint64_t count = 0;
      ssize_t ignored = ::read(wake_fd_, &count, sizeof count);
      (void)ignored;
      if (wake_asked_.exchange(false) && handlers_.on_wake) handlers_.on_wake();
    }
    if (pending && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP)) && !finish_write(why)) break;
    if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) && !read_frames(why)) break;
  }
  bool rest_unsent = false;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    rest_unsent = std::exchange(pending_, false);
  }
  if (rest_unsent) handlers_.on_written(false);
  handlers_.on_closed(why);
}

}  // namespace stopd::core
