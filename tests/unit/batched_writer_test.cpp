// BatchedWriter: one write in flight, what is queued meanwhile leaves as the next batch, corks,
// deferred sends, the half-close and a broken stream. The stream is a recording fake: the
// writer's contract is about which operations start when, which a real gRPC stream cannot show.
#include "isolation/batched_writer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

struct Batch {
  std::vector<int> messages;
  int messages_size() const { return static_cast<int>(messages.size()); }
  void Clear() { messages.clear(); }
  void Swap(Batch* other) { messages.swap(other->messages); }
};

struct Stream {
  std::vector<std::vector<int>> writes;
  int writes_done = 0;
  void Write(const Batch& batch, void*) { writes.push_back(batch.messages); }
  void WritesDone(void*) { ++writes_done; }
};

char tag;
using Writer = stopd::core::BatchedWriter<Batch, Stream>;

auto message(int value) {
  return [value](Batch& batch) { batch.messages.push_back(value); };
}

TEST(BatchedWriter, TheFirstMessageLeavesAtOnceAndThoseQueuedMeanwhileLeaveTogetherAfterIt) {
  Stream stream;
  Writer writer(&tag);
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

TEST(BatchedWriter, NothingIsWrittenBeforeTheCallIsUpThenEverythingQueuedLeavesInOneBatch) {
  Stream stream;
  Writer writer(&tag);
  writer.add(message(1));
  writer.add(message(2));
  EXPECT_TRUE(stream.writes.empty());
  writer.attach(stream);
  EXPECT_EQ(stream.writes, (std::vector<std::vector<int>>{{1, 2}}));
}

TEST(BatchedWriter, ACorkHoldsWritesUntilItIsPulled) {
  Stream stream;
  Writer writer(&tag);
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
  Writer writer(&tag, [&] { ++wakes; });
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
  Writer writer(&tag);
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
  EXPECT_FALSE(writer.seal()) << "the half-close is still in flight";
  writer.written(true);
  EXPECT_TRUE(writer.seal());
}

TEST(BatchedWriter, AFailedWriteBreaksTheWriterAndDropsWhatWasQueued) {
  Stream stream;
  Writer writer(&tag);
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
  Writer writer(&tag);
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
