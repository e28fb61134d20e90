#include "stopd/core/grpc_runtime.hpp"

#include <absl/synchronization/mutex.h>

namespace stopd::core {

void prepare_grpc_runtime() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace stopd::core
