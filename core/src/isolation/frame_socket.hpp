// The transport of a plugin host session (plugin_host.proto): protobuf messages as frames (a
// 4-byte little-endian length, then the bytes) on a connected, non-blocking stream socket, with
// one thread that reads them and finishes the writes the socket could not take at once.
//
// Why not gRPC, which the session first ran on: an isolated stop is one small message each way,
// and gRPC's HTTP/2 framing, completion queues and the thread hops between them cost several
// times the stop itself. With gRPC the transport alone (the bench's "provider alone" row) moved
// a quarter of the stops per second a no-op provider manages in process; a frame costs a
// system call on each side, shared by every message the frame carries.
//
// Writes never wait for the peer: write() sends what the socket takes and leaves the rest to
// run()'s thread, so a plugin host that stops reading costs queued memory (bounded by the stops
// in flight), not a stuck caller.
#pragma once

#include <google/protobuf/message_lite.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "frame_buffer.hpp"

namespace stopd::core {

class FrameSocket {
 public:
  enum class Sent {
    now,     // the whole frame left
    later,   // the rest leaves from run()'s thread, which then calls on_written
    failed,  // the socket is closed or broken: nothing more can be sent
  };

  // Called on run()'s thread, one at a time.
  struct Handlers {
    std::function<void(const char* data, std::size_t size)> on_frame;  // one frame's bytes
    std::function<void(bool ok)> on_written;  // a write that was Sent::later ended
    std::function<void()> on_wake;            // after wake()
    // The last call: the peer closed the socket, it broke, a frame was over the limit, or
    // stop(). `why` says which.
    std::function<void(const std::string& why)> on_closed;
  };

  // Takes `fd` (made non-blocking here). A frame announced longer than `max_frame` bytes ends the
  // stream before anything is allocated for it.
  FrameSocket(int fd, std::size_t max_frame, Handlers handlers);
  ~FrameSocket();  // closes the socket; run() must have returned
  FrameSocket(const FrameSocket&) = delete;
  FrameSocket& operator=(const FrameSocket&) = delete;

  // Reads frames and finishes writes until the stream ends or stop(); on the calling thread.
  // It only ever waits in poll(2), so stop() ends it at once.
  void run();
  void stop();

  // Sends `message` as one frame, from any thread, one write at a time (the caller's rule:
  // BatchedWriter keeps one in flight).
  Sent write(const google::protobuf::MessageLite& message);
  // Half-closes: the peer reads the end after what was written. Only with no write in flight.
  void close_write();
  // Makes run()'s thread call on_wake soon (wakes asked for meanwhile are one).
  void wake();

 private:
  void signal();
  bool read_frames(std::string& why);  // false: the stream ended (why says how)
  bool finish_write(std::string& why);
  bool send_some(std::size_t& offset, std::string& why);

  const int fd_;
  const int wake_fd_;
  const Handlers handlers_;

  FrameBuffer in_;  // run()'s thread only

  // The frame being written: the writer's while write() runs, then run()'s thread's while
  // `pending_` says a rest is left.
  std::string out_;
  std::size_t out_offset_ = 0;

  std::mutex mutex_;  // guards the hand-over of a write's rest, and closed_
  bool pending_ = false;
  bool closed_ = false;

  std::atomic<bool> wake_asked_{false};
  std::atomic<bool> stopping_{false};
};

}  // namespace stopd::core
