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

constexpr std::size_t kHeader = 4;
// What one read asks for; the buffer grows past it only for a frame that is longer.
constexpr std::size_t kReadChunk = 256 * 1024;
// A buffer grown for a long frame is given back once it is empty again.
constexpr std::size_t kKeepBuffer = 4 * kReadChunk;

std::uint32_t decode_length(const char* at) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(at);
  return static_cast<std::uint32_t>(bytes[0]) | static_cast<std::uint32_t>(bytes[1]) << 8 |
         static_cast<std::uint32_t>(bytes[2]) << 16 | static_cast<std::uint32_t>(bytes[3]) << 24;
}

void encode_length(std::uint32_t length, char* at) {
  for (std::size_t i = 0; i < kHeader; ++i) at[i] = static_cast<char>((length >> (8 * i)) & 0xff);
}

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

FrameSocket::FrameSocket(int fd, std::size_t max_frame, Handlers handlers)
    : fd_(fd),
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      max_frame_(max_frame),
      handlers_(std::move(handlers)) {
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
  out_.resize(kHeader + size);  // keeps its capacity from one frame to the next
  encode_length(static_cast<std::uint32_t>(size), out_.data());
  message.SerializeWithCachedSizesToArray(reinterpret_cast<std::uint8_t*>(out_.data() + kHeader));
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
  if (in_.size() - in_used_ < kReadChunk) in_.resize(in_used_ + kReadChunk);
  const ssize_t got = ::recv(fd_, in_.data() + in_used_, in_.size() - in_used_, MSG_DONTWAIT);
  if (got == 0) {
    why = "the peer closed the connection";
    return false;
  }
  if (got < 0) {
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return true;
    why = errno_text("recv");
    return false;
  }
  in_used_ += static_cast<std::size_t>(got);
  std::size_t offset = 0;
  while (in_used_ - offset >= kHeader) {
    const std::size_t length = decode_length(in_.data() + offset);
    if (length > max_frame_) {
      why = "the peer sent a frame of " + std::to_string(length) + " bytes, over the limit of " +
            std::to_string(max_frame_);
      return false;
    }
    if (in_used_ - offset - kHeader < length) {
      // The rest of this frame is still to come: make room for all of it.
      if (in_.size() - offset < kHeader + length) in_.resize(in_used_ + kHeader + length);
      break;
    }
    handlers_.on_frame(in_.data() + offset + kHeader, length);
    offset += kHeader + length;
  }
  if (offset > 0) {
    std::memmove(in_.data(), in_.data() + offset, in_used_ - offset);
    in_used_ -= offset;
  }
  if (in_used_ == 0 && in_.size() > kKeepBuffer) {
    in_.resize(kReadChunk);
    in_.shrink_to_fit();
  }
  return true;
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
