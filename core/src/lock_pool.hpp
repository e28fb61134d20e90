// A fixed pool of mutexes and condition variables for the many small objects that live one per
// stop in flight (tickets, attempt contexts). Each needs a lock only now and then, briefly, and a
// mutex plus a condition variable of its own would cost 88 bytes times every job in flight. An
// object takes the slot its address picks; two objects that share a slot only contend, or wake
// each other's waiters, now and then, and every waiter re-checks its own condition.
//
// Never hold a pooled lock while taking another one (two objects may share a slot, or take two
// slots in opposite orders), nor while running code that is not yours (callbacks, destructors of
// captured state).
#pragma once

#include <condition_variable>
#include <mutex>

namespace stopd::core {

struct alignas(64) PooledLock {
  std::mutex mutex;
  std::condition_variable changed;
};

PooledLock& pooled_lock(const void* owner);

}  // namespace stopd::core
