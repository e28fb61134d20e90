// FrameSocket on a real socket pair: frames arrive whole and in order however the bytes are cut,
// a frame too big for the socket finishes from the reading thread, an oversized announcement
// ends the stream before anything is allocated for it, and a closed peer or stop() ends run().
// FrameBuffer alone: what a frame announces within the limit is not allocated before it arrives.
#include "isolation/frame_socket.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "stopd/plugin/v1/plugin_host.pb.h"

namespace {

using stopd::core::FrameSocket;
namespace pb = stopd::plugin::v1;
using namespace std::chrono_literals;

// What one end's handlers saw, waited on with a bound.
struct Seen {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> frames;
  std::vector<bool> written;
  std::string closed_why;
  bool closed = false;

  FrameSocket::Handlers handlers() {
    return {.on_frame =
                [this](const char* data, std::size_t size) {
                  std::lock_guard lock(mutex);
                  frames.emplace_back(data, size);
                  changed.notify_all();
                },
            .on_written =
                [this](bool ok) {
                  std::lock_guard lock(mutex);
                  written.push_back(ok);
                  changed.notify_all();
                },
            .on_wake = [] {},
            .on_closed =
                [this](const std::string& why) {
                  std::lock_guard lock(mutex);
                  closed_why = why;
                  closed = true;
                  changed.notify_all();
                }};
  }
  template <class Predicate>
  bool wait(Predicate predicate) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 30s, [&] { return predicate(); });
  }
};

struct Pair {
  int ends[2] = {-1, -1};
  Pair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends), 0); }
};

pb::HostMessages batch_of(std::uint64_t first, int count, std::size_t padding = 0) {
  pb::HostMessages batch;
  for (int i = 0; i < count; ++i) {
    auto& start = *batch.add_messages()->mutable_start();
    start.set_call(first + static_cast<std::uint64_t>(i));
    start.set_target_json(std::string(padding, 'x'));
  }
  return batch;
}

std::vector<std::uint64_t> calls_in(const std::string& frame) {
  pb::HostMessages batch;
  EXPECT_TRUE(batch.ParseFromString(frame));
  std::vector<std::uint64_t> calls;
  for (const auto& message : batch.messages()) calls.push_back(message.start().call());
  return calls;
}

void write_all(int fd, const std::string& bytes) {
  std::size_t offset = 0;
  while (offset < bytes.size()) {
    const ssize_t sent = ::write(fd, bytes.data() + offset, bytes.size() - offset);
    ASSERT_GT(sent, 0);
    offset += static_cast<std::size_t>(sent);
  }
}

std::string header(std::uint32_t length) {
  std::string bytes(4, '\0');
  for (int i = 0; i < 4; ++i)
    bytes[static_cast<std::size_t>(i)] = static_cast<char>(length >> (8 * i));
  return bytes;
}

TEST(FrameSocket, FramesArriveWholeAndInOrder) {
  Pair pair;
  Seen sender_seen, receiver_seen;
  FrameSocket sender(pair.ends[0], 1 << 20, sender_seen.handlers());
  FrameSocket receiver(pair.ends[1], 1 << 20, receiver_seen.handlers());
  std::thread reading([&] { receiver.run(); });
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(sender.write(batch_of(static_cast<std::uint64_t>(i) * 3, 3)), FrameSocket::Sent::now);
  ASSERT_TRUE(receiver_seen.wait([&] { return receiver_seen.frames.size() == 100; }));
  for (int i = 0; i < 100; ++i) {
    const auto first = static_cast<std::uint64_t>(i) * 3;
    EXPECT_EQ(calls_in(receiver_seen.frames[static_cast<std::size_t>(i)]),
              (std::vector<std::uint64_t>{first, first + 1, first + 2}));
  }
  receiver.stop();
  reading.join();
  EXPECT_EQ(receiver_seen.closed_why, "stopped");
}

TEST(FrameSocket, AFrameCutAnywhereIsDeliveredOnceWhole) {
  Pair pair;
  Seen seen;
  FrameSocket receiver(pair.ends[1], 1 << 20, seen.handlers());
  std::thread reading([&] { receiver.run(); });
  const std::string payload = batch_of(7, 2).SerializeAsString();
  const std::string bytes = header(static_cast<std::uint32_t>(payload.size())) + payload;
  // Two bytes of the header, then the rest of the header and one byte, then the rest.
  write_all(pair.ends[0], bytes.substr(0, 2));
  std::this_thread::sleep_for(20ms);  // lets the reader see the cut (the test passes without)
  write_all(pair.ends[0], bytes.substr(2, 3));
  std::this_thread::sleep_for(20ms);
  write_all(pair.ends[0], bytes.substr(5));
  ASSERT_TRUE(seen.wait([&] { return !seen.frames.empty(); }));
  EXPECT_EQ(calls_in(seen.frames.at(0)), (std::vector<std::uint64_t>{7, 8}));
  ::close(pair.ends[0]);
  ASSERT_TRUE(seen.wait([&] { return seen.closed; }));
  reading.join();
  EXPECT_EQ(seen.frames.size(), 1u);
  EXPECT_EQ(seen.closed_why, "the peer closed the connection");
}

TEST(FrameSocket, AFrameLargerThanTheSocketTakesIsFinishedByTheReadingThread) {
  Pair pair;
  Seen sender_seen, receiver_seen;
  FrameSocket sender(pair.ends[0], 64 << 20, sender_seen.handlers());
  FrameSocket receiver(pair.ends[1], 64 << 20, receiver_seen.handlers());
  std::thread sending([&] { sender.run(); });
  // 16 MiB: far more than a socket pair buffers, and nobody reads yet.
  const pb::HostMessages big = batch_of(1, 16, 1 << 20);
  ASSERT_EQ(sender.write(big), FrameSocket::Sent::later);
  std::thread reading([&] { receiver.run(); });
  ASSERT_TRUE(sender_seen.wait([&] { return !sender_seen.written.empty(); }));
  EXPECT_EQ(sender_seen.written, std::vector<bool>{true});
  ASSERT_TRUE(receiver_seen.wait([&] { return !receiver_seen.frames.empty(); }));
  EXPECT_EQ(receiver_seen.frames.at(0), big.SerializeAsString());
  // And the socket is usable after it.
  EXPECT_EQ(sender.write(batch_of(99, 1)), FrameSocket::Sent::now);
  ASSERT_TRUE(receiver_seen.wait([&] { return receiver_seen.frames.size() == 2; }));
  EXPECT_EQ(calls_in(receiver_seen.frames.at(1)), std::vector<std::uint64_t>{99});
  sender.stop();
  receiver.stop();
  sending.join();
  reading.join();
}

TEST(FrameSocket, AFrameAnnouncedOverTheLimitEndsTheStreamWithNothingDelivered) {
  Pair pair;
  Seen seen;
  FrameSocket receiver(pair.ends[1], 1024, seen.handlers());
  std::thread reading([&] { receiver.run(); });
  // Announces 4 GiB - 1 and sends none of it: nothing may be allocated for it.
  write_all(pair.ends[0], header(0xffffffffu));
  ASSERT_TRUE(seen.wait([&] { return seen.closed; }));
  reading.join();
  EXPECT_TRUE(seen.frames.empty());
  EXPECT_EQ(seen.closed_why, "the peer sent a frame of 4294967295 bytes, over the limit of 1024");
  ::close(pair.ends[0]);
}

// A frame within the limit costs what has arrived of it, not what it announces: a plugin host
// that announces 255 MiB and sends a kilobyte makes stopd hold a kilobyte and a read's room.
TEST(FrameBuffer, HoldsWhatArrivedNotWhatAFrameAnnounces) {
  constexpr std::size_t kRead = 256 * 1024;  // what FrameSocket asks room for per read
  stopd::core::FrameBuffer buffer(256u << 20);
  const std::string start = header((255u << 20)) + std::string(1024, 'x');
  auto space = buffer.space(kRead);
  std::memcpy(space.data(), start.data(), start.size());
  buffer.commit(start.size());
  std::string why;
  std::size_t frames = 0;
  EXPECT_TRUE(buffer.drain([&](const char*, std::size_t) { ++frames; }, why)) << why;
  EXPECT_EQ(frames, 0u);
  buffer.space(kRead);  // the next read
  EXPECT_LT(buffer.allocated(), 2 * kRead);
}

// A long frame still arrives whole, read by read, and the buffer that held it is given back.
TEST(FrameBuffer, ALongFrameArrivesWholeReadByRead) {
  constexpr std::size_t kRead = 64 * 1024;
  stopd::core::FrameBuffer buffer(256u << 20);
  std::string body(20u << 20, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 31 % 251);
  const std::string stream = header(static_cast<std::uint32_t>(body.size())) + body;
  std::vector<std::string> frames;
  std::string why;
  std::size_t most = 0;
  for (std::size_t fed = 0; fed < stream.size();) {
    const std::size_t take = std::min(kRead, stream.size() - fed);
    auto space = buffer.space(take);
    std::memcpy(space.data(), stream.data() + fed, take);
    buffer.commit(take);
    fed += take;
    most = std::max(most, buffer.allocated());
    ASSERT_TRUE(buffer.drain(
        [&](const char* data, std::size_t size) { frames.emplace_back(data, size); }, why))
        << why;
  }
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(frames[0] == body);
  EXPECT_LE(most, 2 * stream.size() + kRead);  // doubling, not a copy per read
  EXPECT_EQ(buffer.allocated(), 0u);           // over 1 MiB: given back once empty
}

TEST(FrameSocket, AWriteAfterThePeerIsGoneFailsAndAPendingOneEndsNotOk) {
  Pair pair;
  Seen seen;
  FrameSocket sender(pair.ends[0], 1 << 20, seen.handlers());
  std::thread running([&] { sender.run(); });
  ASSERT_EQ(sender.write(batch_of(1, 4, 1 << 20)), FrameSocket::Sent::later);
  ::close(pair.ends[1]);
  ASSERT_TRUE(seen.wait([&] { return seen.closed; }));
  running.join();
  EXPECT_EQ(seen.written, std::vector<bool>{false}) << "the rest could not be sent";
  EXPECT_EQ(sender.write(batch_of(2, 1)), FrameSocket::Sent::failed);
}

TEST(FrameSocket, StopEndsRunAtOnceWhileThePeerIsSilent) {
  Pair pair;
  Seen seen;
  FrameSocket receiver(pair.ends[1], 1 << 20, seen.handlers());
  auto ran = std::async(std::launch::async, [&] { receiver.run(); });
  std::this_thread::sleep_for(20ms);
  receiver.stop();
  EXPECT_EQ(ran.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(seen.closed_why, "stopped");
  ::close(pair.ends[0]);
}

}  // namespace
