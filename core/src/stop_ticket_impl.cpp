#include "stop_ticket_impl.hpp"

#include <array>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace stopd::core {
namespace {

// A mutex and condition variable per ticket cost 88 bytes times every job in flight, and almost
// all of them sit unused: a caller blocks in wait() only in the CLI and a few tests; the daemon
// takes its results through on_done(). So tickets share a fixed pool, picked by address. Two
// tickets that share a slot only wake each other's waiters now and then; each waiter re-checks
// its own ticket.
struct alignas(64) Slot {
  std::mutex mutex;
  std::condition_variable finished;
};

constexpr std::size_t kSlots = 128;

Slot& slot_of(const TicketImpl* ticket) {
  // Never destroyed: a ticket may be finished or waited on from a static destructor.
  static auto* const slots = new std::array<Slot, kSlots>;
  // Fibonacci hashing spreads allocations that share their low bits over the slots.
  const auto address = reinterpret_cast<std::uintptr_t>(ticket);
  const auto mixed = static_cast<std::uint64_t>(address) * 0x9E3779B97F4A7C15ull;
  return (*slots)[static_cast<std::size_t>(mixed >> 57) % kSlots];
}

}  // namespace

bool TicketImpl::done() const {
  std::lock_guard lock(slot_of(this).mutex);
  return done_;
}

std::string TicketImpl::stop_id() const {
  std::lock_guard lock(slot_of(this).mutex);
  return stop_id_;
}

void TicketImpl::set_stop_id(std::string id) {
  std::lock_guard lock(slot_of(this).mutex);
  stop_id_ = std::move(id);
}

const StopResult& TicketImpl::wait() {
  Slot& slot = slot_of(this);
  std::unique_lock lock(slot.mutex);
  slot.finished.wait(lock, [this] { return done_; });
  return *result_;  // immutable once done_
}

bool TicketImpl::wait_for(std::chrono::milliseconds timeout) {
  Slot& slot = slot_of(this);
  std::unique_lock lock(slot.mutex);
  return slot.finished.wait_for(lock, timeout, [this] { return done_; });
}

void TicketImpl::on_done(std::function<void(const StopResult&)> callback) {
  {
    std::lock_guard lock(slot_of(this).mutex);
    if (!done_) {
      if (!callback_) {
        callback_ = std::move(callback);
      } else {
        // Rare (the job manager registers one): chained, so they still run in order.
        callback_ = [first = std::move(callback_),
                     second = std::move(callback)](const StopResult& result) {
          first(result);
          second(result);
        };
      }
      return;
    }
  }
  callback(*result_);
}

void TicketImpl::cancel() {
  if (auto owner = owner_.lock()) owner->cancel(*this);
}

bool TicketImpl::finish(StopResult result) {
  std::function<void(const StopResult&)> callback;
  Slot& slot = slot_of(this);
  {
    std::lock_guard lock(slot.mutex);
    if (done_) return false;
    result.joined = joined_;
    if (stop_id_.empty()) stop_id_ = result.stop_id;
    result.started = started_;
    result.finished = std::chrono::system_clock::now();
    result_ = std::make_unique<StopResult>(std::move(result));
    done_ = true;
    callback.swap(callback_);
  }
  slot.finished.notify_all();
  if (callback) callback(*result_);
  return true;
}

}  // namespace stopd::core
