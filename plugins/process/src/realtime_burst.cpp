#include "realtime_burst.hpp"

#include <sched.h>

namespace stopd::process {

RealtimeBurst::RealtimeBurst() noexcept {
  if (::pthread_getschedparam(::pthread_self(), &policy_, &param_) != 0) return;
  // A host that already runs its threads real-time has chosen their priorities; leave them.
  if (policy_ == SCHED_FIFO || policy_ == SCHED_RR) return;
  sched_param realtime{};
  realtime.sched_priority = ::sched_get_priority_min(SCHED_FIFO);
  raised_ = ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &realtime) == 0;
}

RealtimeBurst::~RealtimeBurst() {
  if (raised_) ::pthread_setschedparam(::pthread_self(), policy_, &param_);
}

}  // namespace stopd::process
