// One direction of a plugin host session (plugin_host.proto): messages are queued and written in
// batches, one write in flight at a time, and whatever was queued meanwhile goes in the next.
// Under load one write carries many messages (a gRPC message costs tens of microseconds; a stop's
// share of a batch, one), and no thread ever waits for the peer to read: a plugin host that stops
// reading costs queued memory, bounded by the stops in flight, not a stuck dispatcher thread.
//
// `Stream` is either end of the session with gRPC's asynchronous API. A write is started by the
// thread that queues a message while none is in flight (no hand-off on the way out); the thread
// draining the completion queue reports its end with written(). `Batch` is a protobuf message
// with one repeated field, `messages`.
#pragma once

#include <functional>
#include <mutex>
#include <utility>

namespace stopd::core {

template <class Batch, class Stream>
class BatchedWriter {
 public:
  // The most messages one write carries: a write stays well under the receiver's message limit
  // however many stops are in flight; the rest follow in the next.
  static constexpr int kMaxBatch = 1024;

  // `tag` marks this writer's operations on the completion queue. `wake`, when given, makes the
  // completion queue's thread call flush_deferred() soon (a gRPC alarm due now).
  explicit BatchedWriter(void* tag, std::function<void()> wake = {})
      : tag_(tag), wake_(std::move(wake)) {}
  BatchedWriter(const BatchedWriter&) = delete;
  BatchedWriter& operator=(const BatchedWriter&) = delete;

  // The call is up: writes may start, beginning with what was queued before.
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
  // than write now, the completion queue's thread is woken to write what has gathered by then.
  // A write in flight or a cork flushes the queue anyway; only when neither would is the thread
  // woken, once.
  template <class Fill>
  bool add(Fill&& fill, bool defer = false) {
    std::unique_lock lock(mutex_);
    if (finishing_ || sealed_ || broken_) return false;
    fill(queued_);
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

  // The operation started with `tag` ended. Not `ok`: the stream is broken, nothing more is sent.
  void written(bool ok) {
    std::unique_lock lock(mutex_);
    in_flight_ = false;
    if (!ok) {
      broken_ = true;
      queued_.Clear();
    }
    start(lock);
  }

  // The client's end: half-closes the stream (WritesDone) after what is queued.
  void finish() {
    std::unique_lock lock(mutex_);
    finishing_ = true;
    start(lock);
  }

  // No operation starts after this; what is queued is dropped. True when none is in flight, so
  // the stream may be finished (else ask again after the next written()).
  bool seal() {
    std::lock_guard lock(mutex_);
    sealed_ = true;
    queued_.Clear();
    return !in_flight_;
  }

 private:
  // Starts the next operation if one is due, and releases the lock. The write itself (gRPC
  // serialises the batch, and often sends it at once) runs outside the lock: other threads keep
  // queueing meanwhile. `sending_` is this writer's alone while an operation is in flight, and
  // gRPC is done with it once that operation has started.
  void start(std::unique_lock<std::mutex>& lock) {
    if (in_flight_ || corks_ > 0 || stream_ == nullptr || broken_ || sealed_) return;
    if (queued_.messages_size() > 0) {
      sending_.Clear();  // keeps its allocations for the next batch
      take_front();
      in_flight_ = true;
      lock.unlock();
      stream_->Write(sending_, tag_);
    } else if (finishing_ && !half_closed_) {
      half_closed_ = true;
      if constexpr (requires { stream_->WritesDone(tag_); }) {
        in_flight_ = true;
        lock.unlock();
        stream_->WritesDone(tag_);
      }
    }
  }

  // Moves the first kMaxBatch queued messages (all, usually) into sending_.
  void take_front() {
    if (queued_.messages_size() <= kMaxBatch) {
      sending_.Swap(&queued_);
      return;
    }
    auto& queued = *queued_.mutable_messages();
    auto& sending = *sending_.mutable_messages();
    for (int i = 0; i < kMaxBatch; ++i) sending.Add()->Swap(queued.Mutable(i));
    queued.DeleteSubrange(0, kMaxBatch);
  }

  void* const tag_;
  const std::function<void()> wake_;
  mutable std::mutex mutex_;
  Stream* stream_ = nullptr;
  Batch queued_;
  Batch sending_;
  unsigned corks_ = 0;
  bool in_flight_ = false;
  bool finishing_ = false;
  bool half_closed_ = false;
  bool sealed_ = false;
  bool broken_ = false;
  bool wake_pending_ = false;
};

}  // namespace stopd::core
