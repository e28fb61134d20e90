// Due times of every running stop in one min-heap, so one timerfd serves them all. Entries are
// never removed in place: a stop that reschedules pushes a new entry with a new generation and the
// old one is skipped when it surfaces (or dropped by compact()).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace stopd::process {

class TimerQueue {
 public:
  using Clock = std::chrono::steady_clock;

  struct Entry {
    Clock::time_point due;
    std::uint64_t job = 0;
    std::uint64_t generation = 0;
  };

  void push(const Entry& entry);

  // The earliest entry due at or before `now`, removed from the queue.
  std::optional<Entry> pop_due(Clock::time_point now);

  // The earliest due time, or Clock::time_point::max() when empty.
  Clock::time_point next_due() const;

  std::size_t size() const { return heap_.size(); }

  // Drops every entry for which `stale(entry)` is true.
  template <class Predicate>
  void compact(Predicate stale) {
    std::erase_if(heap_, stale);
    rebuild();
  }

 private:
  void rebuild();

  std::vector<Entry> heap_;
};

}  // namespace stopd::process
