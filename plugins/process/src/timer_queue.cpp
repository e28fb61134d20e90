#include "timer_queue.hpp"

#include <algorithm>

namespace stopd::process {
namespace {

// std::*_heap builds a max-heap; "greater due" as "less" puts the earliest due time on top.
bool later(const TimerQueue::Entry& a, const TimerQueue::Entry& b) {
  return a.due > b.due;
}

}  // namespace

void TimerQueue::push(const Entry& entry) {
  heap_.push_back(entry);
  std::push_heap(heap_.begin(), heap_.end(), later);
}

std::optional<TimerQueue::Entry> TimerQueue::pop_due(Clock::time_point now) {
  if (heap_.empty() || heap_.front().due > now) return std::nullopt;
  std::pop_heap(heap_.begin(), heap_.end(), later);
  Entry entry = heap_.back();
  heap_.pop_back();
  return entry;
}

TimerQueue::Clock::time_point TimerQueue::next_due() const {
  return heap_.empty() ? Clock::time_point::max() : heap_.front().due;
}

void TimerQueue::rebuild() {
  std::make_heap(heap_.begin(), heap_.end(), later);
}

}  // namespace stopd::process
