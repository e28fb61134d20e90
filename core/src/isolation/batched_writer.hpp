// One direction of a plugin host session (plugin_host.proto): messages are queued and written in
// batches, one write in flight at a time, and whatever was queued meanwhile goes in the next.
// Under load one write carries many messages (a frame costs a system call on each side; a
// stop's share of a batch, a fraction of one), and no thread ever waits for the peer to read: a
// plugin host that stops reading costs queued memory, bounded by the stops in flight, not a
// stuck dispatcher thread.
//
// `Stream` is a FrameSocket (or a test's fake with the same write() and close_write()). A write
// is started by the thread that queues a message while none is in flight (no hand-off on the
// way out), and when the socket took it all at once, that thread also writes what was queued
// meanwhile, like a group commit's leader. When the socket could not take it all, the socket's
// thread reports its end with written(). `Batch` is a protobuf message with one repeated field,
// `messages`.
//
// A batch's messages live in an arena of the writer's, given back whole once the batch is sent:
// a message costs no malloc and no free. They are queued by one thread and sent, then dropped, by
// another; with the heap, every part of every message was freed on another thread than the one
// that allocated it, and glibc's malloc contended on its arena's lock for each (a quarter of the
// isolated bench's futex calls).
#pragma once

#include <google/protobuf/arena.h>

#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include "../adaptive_mutex.hpp"
#include "frame_socket.hpp"

namespace stopd::core {

template <class Batch, class Stream>
class BatchedWriter {
 public:
  // The most messages one write carries: a write stays well under the receiver's message limit
  // however many stops are in flight; the rest follow in the next.
  static constexpr int kMaxBatch = 1024;
  // The most batches one caller writes in a row for others; past it, when a wake is given, the
  // socket's thread takes over, so no caller is kept writing for as long as others queue.
  static constexpr int kMaxLeadWrites = 8;

  // `wake`, when given, makes the socket's thread call flush_deferred() soon.
  explicit BatchedWriter(std::function<void()> wake = {}) : wake_(std::move(wake)) {}
  BatchedWriter(const BatchedWriter&) = delete;
  BatchedWriter& operator=(const BatchedWriter&) = delete;

  // The session is up: writes may start, beginning with what was queued before.
  void attach(Stream& stream) {
    std::unique_lock lock(mutex_);
    stream_ = &stream;
    start(lock);
  }
  bool attached() const {
    std::lock_guard lock(mutex_);
    return stream_ != nullptr;
  }

  // Queues messages: `fill(Batch&)` appends them under the writer's lock, so what it reads is
  // ordered with what other threads queue. False, and nothing is queued, once the writer is
  // finishing, sealed or broken.
  //
  // `defer`: more messages are likely to follow at once (other stops are in flight), so rather
  // than write now, the socket's thread is woken to write what has gathered by then.
  // A write in flight or a cork flushes the queue anyway; only when neither would is the thread
  // woken, once.
  template <class Fill>
  bool add(Fill&& fill, bool defer = false) {
    std::unique_lock lock(mutex_);
    if (finishing_ || sealed_ || broken_) return false;
    fill(*queued_->batch);
    if (!defer || !wake_) {
      start(lock);
    } else if (!in_flight_ && corks_ == 0 && !wake_pending_) {
      wake_pending_ = true;
      wake_();
    }
    return true;
  }

  // The wake asked for by a deferred add() arrived.
  void flush_deferred() {
    std::unique_lock lock(mutex_);
    wake_pending_ = false;
    start(lock);
  }

  // While corked, messages queue but no write starts: a received batch is handled as one, and
  // its answers leave together.
  void cork() {
    std::lock_guard lock(mutex_);
    ++corks_;
  }
  void uncork() {
    std::unique_lock lock(mutex_);
    --corks_;
    start(lock);
  }

  // A write that was Sent::later ended. Not `ok`: the stream is broken, nothing more is sent.
  void written(bool ok) {
    std::unique_lock lock(mutex_);
    in_flight_ = false;
    if (!ok) {
      broken_ = true;
      queued_->reset();
    }
    start(lock);
  }

  // Half-closes the stream after what is queued.
  void finish() {
    std::unique_lock lock(mutex_);
    finishing_ = true;
    start(lock);
  }

  // No write starts after this; what is queued is dropped. True when none is in flight.
  bool seal() {
    std::lock_guard lock(mutex_);
    sealed_ = true;
    queued_->reset();
    return !in_flight_;
  }

 private:
  // Writes what is queued if a write is due, and releases the lock while it writes (serialising
  // and sending run outside it: other threads keep queueing meanwhile). `sending_` is this
  // writer's alone while a write is in flight.
  void start(std::unique_lock<AdaptiveMutex>& lock) {
    for (int written_here = 0;; ++written_here) {
      if (in_flight_ || corks_ > 0 || stream_ == nullptr || broken_ || sealed_) return;
      if (queued_->batch->messages_size() == 0) {
        if (finishing_ && !half_closed_) {
          half_closed_ = true;
          stream_->close_write();
        }
        return;
      }
      if (written_here == kMaxLeadWrites && wake_) {
        if (!wake_pending_) {
          wake_pending_ = true;
          wake_();
        }
        return;
      }
      sending_->reset();  // the batch sent before: its memory is used again
      take_front();
      in_flight_ = true;
      lock.unlock();
      const FrameSocket::Sent sent = stream_->write(*sending_->batch);
      lock.lock();
      if (sent == FrameSocket::Sent::later) return;  // written() follows
      in_flight_ = false;
      if (sent == FrameSocket::Sent::failed) {
        broken_ = true;
        queued_->reset();
        return;
      }
    }
  }

  // A batch and its arena. The arena starts in a block of its own, which Reset() keeps: a batch
  // that fits in it allocates nothing at all.
  struct Slot {
    static constexpr std::size_t kFirstBlock = 64 * 1024;

    Slot() : first_block(new char[kFirstBlock]), arena(options(first_block.get())) { renew(); }
    static google::protobuf::ArenaOptions options(char* block) {
      google::protobuf::ArenaOptions options;
      options.initial_block = block;
      options.initial_block_size = kFirstBlock;
      return options;
    }
    void renew() { batch = google::protobuf::Arena::CreateMessage<Batch>(&arena); }
    void reset() {
      arena.Reset();
      renew();
    }

    const std::unique_ptr<char[]> first_block;  // declared before the arena that uses it
    google::protobuf::Arena arena;
    Batch* batch = nullptr;
  };

  // Moves the first kMaxBatch queued messages (all, usually) into sending_, which is empty.
  void take_front() {
    if (queued_->batch->messages_size() <= kMaxBatch) {
      queued_.swap(sending_);
      return;
    }
    // Rare (more than kMaxBatch queued during one write): copied into the other arena.
    auto& queued = *queued_->batch->mutable_messages();
    auto& sending = *sending_->batch->mutable_messages();
    for (int i = 0; i < kMaxBatch; ++i) sending.Add()->CopyFrom(queued.Get(i));
    queued.DeleteSubrange(0, kMaxBatch);
  }

  const std::function<void()> wake_;
  mutable AdaptiveMutex mutex_;  // taken per message by the queueing and the writing thread
  Stream* stream_ = nullptr;
  std::unique_ptr<Slot> queued_ = std::make_unique<Slot>();
  std::unique_ptr<Slot> sending_ = std::make_unique<Slot>();
  unsigned corks_ = 0;
  bool in_flight_ = false;
  bool finishing_ = false;
  bool half_closed_ = false;
  bool sealed_ = false;
  bool broken_ = false;
  bool wake_pending_ = false;
};

}  // namespace stopd::core
