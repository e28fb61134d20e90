// A HostClock whose time moves only when the test says so. Give it to the dispatcher
// (DispatcherOptions::clock) or the batch engine, then advance() it: every timer that came due
// runs on its own loop, as a real one would, and nobody sleeps through a deadline or a backoff.
//
// It starts at the machine's current readings, so a deadline a provider compares with the real
// steady clock still lies ahead of it. Thread-safe.
#pragma once

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "stopd/core/host_clock.hpp"

namespace stopd::test {

class FakeClock final : public core::HostClock {
 public:
  Steady::time_point steady_now() const override {
    std::lock_guard lock(state_->mutex);
    return state_->steady;
  }
  Wall::time_point wall_now() const override {
    std::lock_guard lock(state_->mutex);
    return state_->wall;
  }

  std::unique_ptr<Timer> make_timer(boost::asio::io_context& loop) override {
    return std::make_unique<FakeTimer>(state_, loop);
  }

  // Moves both readings forward by `by`; every timer due by then runs on its loop, earliest first.
  void advance(std::chrono::nanoseconds by) {
    std::vector<Armed> due;
    {
      std::lock_guard lock(state_->mutex);
      state_->steady += std::chrono::duration_cast<Steady::duration>(by);
      state_->wall += std::chrono::duration_cast<Wall::duration>(by);
      for (Entry* entry : state_->entries)
        if (entry->armed && entry->at <= state_->steady) {
          entry->armed = false;
          due.push_back({entry->at, entry->loop, std::move(entry->due)});
        }
    }
    std::stable_sort(due.begin(), due.end(),
                     [](const Armed& a, const Armed& b) { return a.at < b.at; });
    for (auto& armed : due) boost::asio::post(*armed.loop, std::move(armed.due));
  }

  // The earliest moment a timer is armed for, if any: how far a test may advance to reach it.
  std::optional<Steady::time_point> next_due() const {
    std::lock_guard lock(state_->mutex);
    std::optional<Steady::time_point> next;
    for (const Entry* entry : state_->entries)
      if (entry->armed && (!next || entry->at < *next)) next = entry->at;
    return next;
  }

  // Waits (real time, at most `timeout`) until some timer is armed for a moment after the
  // present: e.g. until a retry's backoff has been scheduled. False on timeout.
  bool wait_for_pending_timer(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    return state_->armed_changed.wait_for(lock, timeout, [&] {
      return std::any_of(state_->entries.begin(), state_->entries.end(),
                         [&](const Entry* e) { return e->armed && e->at > state_->steady; });
    });
  }

 private:
  struct Entry {
    boost::asio::io_context* loop = nullptr;
    Steady::time_point at;
    std::function<void()> due;
    bool armed = false;
  };
  struct Armed {
    Steady::time_point at;
    boost::asio::io_context* loop;
    std::function<void()> due;
  };
  struct State {
    mutable std::mutex mutex;
    mutable std::condition_variable armed_changed;
    Steady::time_point steady = Steady::now();
    Wall::time_point wall = Wall::now();
    std::vector<Entry*> entries;  // every live timer's
  };

  class FakeTimer final : public Timer {
   public:
    FakeTimer(std::shared_ptr<State> state, boost::asio::io_context& loop)
        : state_(std::move(state)) {
      entry_.loop = &loop;
      std::lock_guard lock(state_->mutex);
      state_->entries.push_back(&entry_);
    }
    ~FakeTimer() override {
      std::lock_guard lock(state_->mutex);
      auto& entries = state_->entries;
      entries.erase(std::find(entries.begin(), entries.end(), &entry_));
    }
    void arm(Steady::time_point at, std::function<void()> due) override {
      std::unique_lock lock(state_->mutex);
      if (at <= state_->steady) {  // already due: runs at once, as an expired asio timer does
        entry_.armed = false;
        lock.unlock();
        boost::asio::post(*entry_.loop, std::move(due));
        return;
      }
      entry_.at = at;
      entry_.due = std::move(due);
      entry_.armed = true;
      state_->armed_changed.notify_all();
    }
    void cancel() override {
      std::lock_guard lock(state_->mutex);
      entry_.armed = false;
      entry_.due = nullptr;
    }

   private:
    std::shared_ptr<State> state_;
    Entry entry_;
  };

  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace stopd::test
