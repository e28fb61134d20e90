// A mutex that spins briefly before it sleeps (glibc's PTHREAD_MUTEX_ADAPTIVE_NP), for a lock
// two busy threads take for a few hundred nanoseconds at a time: the dispatcher's, taken by the
// thread that submits stops and by the one that completes them. With std::mutex a waiter went to
// sleep in the kernel and the holder had to wake it, a futex call on each side for a wait
// shorter than either call (half of all futex calls of stopd_bench_isolation --only 2 in
// process mode, on a VM where a futex call costs microseconds).
#pragma once

#include <pthread.h>

namespace stopd::core {

class AdaptiveMutex {
 public:
  AdaptiveMutex() {
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&mutex_, &attributes);
    pthread_mutexattr_destroy(&attributes);
  }
  ~AdaptiveMutex() { pthread_mutex_destroy(&mutex_); }
  AdaptiveMutex(const AdaptiveMutex&) = delete;
  AdaptiveMutex& operator=(const AdaptiveMutex&) = delete;

  void lock() { pthread_mutex_lock(&mutex_); }
  bool try_lock() { return pthread_mutex_trylock(&mutex_) == 0; }
  void unlock() { pthread_mutex_unlock(&mutex_); }

 private:
  pthread_mutex_t mutex_;
};

}  // namespace stopd::core
