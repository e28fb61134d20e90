// The frame format of a plugin host session (plugin_host.proto): a 4-byte little-endian length,
// then that many bytes. FrameBuffer is its receiving half, bytes in and whole frames out, apart
// from the socket so that it can be fuzzed with what a hostile plugin host could send
// (tests/fuzz/plugin_frames_fuzzer.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace stopd::core {

inline constexpr std::size_t kFrameHeader = 4;

// Writes `length` as a frame's header at `at` (kFrameHeader bytes).
void encode_frame_length(std::uint32_t length, char* at);

class FrameBuffer {
 public:
  // A frame announced longer than `max_frame` bytes is refused before anything is allocated for
  // it. One within the limit is not allocated on its announcement either: the buffer grows with
  // the bytes that arrive (doubling), so a peer that announces 255 MiB and sends a kilobyte costs
  // a kilobyte, not 255 MiB.
  explicit FrameBuffer(std::size_t max_frame);

  // Room for at least `want` more bytes: write into it, then commit() what was written.
  std::span<char> space(std::size_t want);
  void commit(std::size_t written);

  // Hands each whole frame received so far to `on_frame`, in order, and keeps the rest for the
  // next bytes. False, with `why`, when the next frame is announced over the limit: the stream
  // cannot go on, and nothing after it is handed over.
  bool drain(const std::function<void(const char* data, std::size_t size)>& on_frame,
             std::string& why);

  // Bytes allocated for what is received (the tests' measure of what a peer can make it hold).
  std::size_t allocated() const { return bytes_.size(); }

 private:
  const std::size_t max_frame_;
  std::vector<char> bytes_;
  std::size_t used_ = 0;
};

}  // namespace stopd::core
