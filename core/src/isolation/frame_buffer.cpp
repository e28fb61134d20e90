#include "frame_buffer.hpp"

#include <algorithm>
#include <cstring>

namespace stopd::core {
namespace {

// A buffer grown for a long frame is given back once it is empty again.
constexpr std::size_t kKeepBuffer = 1024 * 1024;

std::uint32_t decode_length(const char* at) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(at);
  return static_cast<std::uint32_t>(bytes[0]) | static_cast<std::uint32_t>(bytes[1]) << 8 |
         static_cast<std::uint32_t>(bytes[2]) << 16 | static_cast<std::uint32_t>(bytes[3]) << 24;
}

}  // namespace

void encode_frame_length(std::uint32_t length, char* at) {
  for (std::size_t i = 0; i < kFrameHeader; ++i)
    at[i] = static_cast<char>((length >> (8 * i)) & 0xff);
}

FrameBuffer::FrameBuffer(std::size_t max_frame) : max_frame_(max_frame) {}

std::span<char> FrameBuffer::space(std::size_t want) {
  if (bytes_.size() - used_ < want) {
    // A long frame arriving read by read doubles the buffer, so each byte is copied a bounded
    // number of times; the usual rest of a frame or two just gets room for one more read.
    const std::size_t needed = used_ + want;
    bytes_.resize(used_ >= want ? std::max(needed, 2 * bytes_.size()) : needed);
  }
  return {bytes_.data() + used_, bytes_.size() - used_};
}

void FrameBuffer::commit(std::size_t written) {
  used_ += written;
}

bool FrameBuffer::drain(const std::function<void(const char* data, std::size_t size)>& on_frame,
                        std::string& why) {
  std::size_t offset = 0;
  bool ok = true;
  while (used_ - offset >= kFrameHeader) {
    const std::size_t length = decode_length(bytes_.data() + offset);
    if (length > max_frame_) {
      why = "the peer sent a frame of " + std::to_string(length) + " bytes, over the limit of " +
            std::to_string(max_frame_);
      ok = false;
      break;
    }
    if (used_ - offset - kFrameHeader < length) break;  // the rest of this frame is to come
    on_frame(bytes_.data() + offset + kFrameHeader, length);
    offset += kFrameHeader + length;
  }
  if (offset > 0) {
    std::memmove(bytes_.data(), bytes_.data() + offset, used_ - offset);
    used_ -= offset;
  }
  if (used_ == 0 && bytes_.size() > kKeepBuffer) {
    bytes_.clear();
    bytes_.shrink_to_fit();
  }
  return ok;
}

}  // namespace stopd::core
