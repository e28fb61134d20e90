// BatchedWriter: one write in flight, what is queued meanwhile leaves as the next batch (at most
// kMaxBatch messages), the writing caller's lead, corks, deferred sends, the half-close and a
// broken stream. The batches are the session's own protobuf type; the stream is a recording
// fake: the writer's contract is about which writes start when and on which call, which a real
// socket (frame_socket_test.cpp) cannot show.
#include "isolation/batched_writer.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <utility>
#include <vector>

#include "stopd/plugin/v1/plugin_host.pb.h"

namespace {

using Batch = stopd::plugin::v1::HostMessages;

using stopd::core::FrameSocket;

struct Stream {
  std::vector<std::vector<int>> writes;  // the call number of each message, per write
  int writes_done = 0;
  // What each write answers: by default the socket keeps a rest, as when the peer is slow, so
  // each write stays in flight until the test calls written().
  FrameSocket::Sent answer = FrameSocket::Sent::later;
  std::function<void()> during_write;  // runs inside the next write (another thread queueing)
  FrameSocket::Sent write(const Batch& batch) {
    std::vector<int> calls;
    for (const auto& message : batch.messages())
      calls.push_back(static_cast<int>(message.changed().call()));
    writes.push_back(calls);
    if (auto hook = std::exchange(during_write, nullptr)) hook();
    return answer;
  }
  void close_write() { ++writes_done; }
};

using Writer = stopd::core::BatchedWriter<Batch, Stream>;

auto message(int value) {
  return [value](Batch& batch) {
    batch.add_messages()->mutable_changed()->set_call(static_cast<std::uint64_t>(value));
  };
}

TEST(BatchedWriter, TheFirstMessageLeavesAtOnceAndThoseQueuedMeanwhileLeaveTogetherAfterIt) {
  Stream stream;
  Writer writer;
  writer.attach(stream);
  ASSERT_TRUE(writer.add(message(1)));
  ASSERT_TRUE(writer.add(message(2)));
  ASSERT_TRUE(writer.add(message(3)));
  EXPECT_EQ(stream.writes, (std::vector<std::vector<int>>{{1}}));
  writer.written(true);
  EXPECT_EQ(stream.writes, (std::vector<std::vector<int>>{{1}, {2, 3}}));
  writer.written(true);
  EXPECT_EQ(stream.writes.size(), 2u) << "nothing was queued: nothing more is written";
}

TEST(BatchedWriter, AWriteCarriesAtMostMaxBatchMessagesInOrderAndTheRestFollow) {
  Stream stream;
  Writer writer;
  const int total = Writer::kMaxBatch * 2 + 5;
  for (int i = 0; i < total; ++i) writer.add(message(i));
  writer.attach(stream);
  writer.written(true);
  writer.written(true);
  ASSERT_EQ(stream.writes.size(), 3u);
  EXPECT_EQ(stream.writes[0].size(), static_cast<std::size_t>(Writer::kMaxBatch));
  EXPECT_EQ(stream.writes[1].size(), static_cast<std::size_t>(Writer::kMaxBatch));
  EXPECT_EQ(stream.writes[2].size(), 5u);
  int expected = 0;
  for (const auto& write : stream.writes)
    for (int call : write) EXPECT_EQ(call, expected++);
}

TEST(BatchedWriter, NothingIsWrittenBeforeTheCallIsUpThenEverythingQueuedLeavesInOneBatch) {
  Stream stream;
  Writer writer;
  writer.add(message(1));
  writer.add(message(2));
  EXPECT_TRUE(stream.writes.empty());
  writer.attach(stream);
  EXPECT_EQ(stream.writes, (std::vector<std::vector<int>>{{1, 2}}));
}

TEST(BatchedWriter, ACorkHoldsWritesUntilItIsPulled) {
  Stream stream;
  Writer writer;
  writer.attach(stream);
  writer.cork();
  writer.add(message(1));
  writer.add(message(2));
  EXPECT_TRUE(stream.writes.empty());
  writer.uncork();
  EXPECT_EQ(stream.writes, (std::vector<std::vector<int>>{{1, 2}}));
}

TEST(BatchedWriter, ADeferredMessageWakesTheQueueThreadOnceAndItsWakeWritesWhatGathered) {
  Stream stream;
  int wakes = 0;
  Writer writer([&] { ++wakes; });
  writer.attach(stream);
  writer.add(message(1), true);
  writer.add(message(2), true);
  EXPECT_EQ(wakes, 1);
  EXPECT_TRUE(stream.writes.empty());
  writer.flush_deferred();
  EXPECT_EQ(stream.writes, (std::vector<std::vector<int>>{{1, 2}}));
  // With a write in flight its completion flushes: no wake is needed.
  writer.add(message(3), true);
  EXPECT_EQ(wakes, 1);
  writer.written(true);
  EXPECT_EQ(stream.writes, (std::vector<std::vector<int>>{{1, 2}, {3}}));
}

TEST(BatchedWriter, FinishHalfClosesAfterWhatIsQueuedAndRefusesMore) {
  Stream stream;
  Writer writer;
  writer.attach(stream);
  writer.add(message(1));
  writer.add(message(2));
  writer.finish();
  EXPECT_FALSE(writer.add(message(3)));
  EXPECT_EQ(stream.writes_done, 0) << "a write is in flight: the half-close waits for it";
  writer.written(true);
  EXPECT_EQ(stream.writes, (std::vector<std::vector<int>>{{1}, {2}}));
  EXPECT_EQ(stream.writes_done, 0);
  writer.written(true);
  EXPECT_EQ(stream.writes_done, 1);
  EXPECT_TRUE(writer.seal()) << "nothing is in flight after the half-close";
}

TEST(BatchedWriter, AWriteTheSocketTookAtOnceIsFollowedOnTheSameCallByWhatWasQueuedMeanwhile) {
  Stream stream;
  stream.answer = FrameSocket::Sent::now;
  Writer writer;
  writer.attach(stream);
  stream.during_write = [&] {
    writer.add(message(2));  // another thread queues while the first write runs
    writer.add(message(3));
  };
  ASSERT_TRUE(writer.add(message(1)));
  EXPECT_EQ(stream.writes, (std::vector<std::vector<int>>{{1}, {2, 3}}))
      << "the caller that wrote leads: it writes what gathered, no wake and no written()";
  ASSERT_TRUE(writer.add(message(4)));
  EXPECT_EQ(stream.writes.back(), std::vector<int>{4}) << "nothing in flight: it leaves at once";
}

TEST(BatchedWriter, ALeadingCallerHandsOverToTheSocketsThreadAfterMaxLeadWrites) {
  Stream stream;
  stream.answer = FrameSocket::Sent::now;
  int wakes = 0;
  Writer writer([&] { ++wakes; });
  writer.attach(stream);
  int next = 1;
  std::function<void()> keep_queueing = [&] {
    writer.add(message(++next));
    stream.during_write = keep_queueing;
  };
  stream.during_write = keep_queueing;
  writer.add(message(1));
  EXPECT_EQ(stream.writes.size(), static_cast<std::size_t>(Writer::kMaxLeadWrites))
      << "a caller is not kept writing for as long as others queue";
  EXPECT_EQ(wakes, 1);
  stream.during_write = nullptr;
  writer.flush_deferred();
  EXPECT_EQ(stream.writes.size(), static_cast<std::size_t>(Writer::kMaxLeadWrites) + 1);
  EXPECT_EQ(stream.writes.back(), std::vector<int>{next}) << "the socket's thread wrote the rest";
}

TEST(BatchedWriter, AWriteThatFailsAtOnceBreaksTheWriter) {
  Stream stream;
  stream.answer = FrameSocket::Sent::failed;
  Writer writer;
  writer.attach(stream);
  EXPECT_TRUE(writer.add(message(1))) << "queued; the write that failed was its own";
  EXPECT_FALSE(writer.add(message(2)));
  EXPECT_EQ(stream.writes.size(), 1u);
  EXPECT_TRUE(writer.seal());
}

TEST(BatchedWriter, AFailedWriteBreaksTheWriterAndDropsWhatWasQueued) {
  Stream stream;
  Writer writer;
  writer.attach(stream);
  writer.add(message(1));
  writer.add(message(2));
  writer.written(false);
  EXPECT_EQ(stream.writes, (std::vector<std::vector<int>>{{1}}));
  EXPECT_FALSE(writer.add(message(3)));
  EXPECT_TRUE(writer.seal());
}

TEST(BatchedWriter, ASealedWriterStartsNothingAndSaysWhetherAWriteIsStillInFlight) {
  Stream stream;
  Writer writer;
  writer.attach(stream);
  writer.add(message(1));
  writer.add(message(2));
  EXPECT_FALSE(writer.seal());
  writer.written(true);
  EXPECT_EQ(stream.writes.size(), 1u) << "what was queued is dropped once sealed";
  EXPECT_TRUE(writer.seal());
  EXPECT_FALSE(writer.add(message(3)));
}

}  // namespace
