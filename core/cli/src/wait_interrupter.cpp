#include "stopd/cli/wait_interrupter.hpp"

#include "stopd/core/exit_codes.hpp"

namespace stopd::cli {

WaitInterrupter::WaitInterrupter()
    : watcher_([this](int) { on_signal(); },
               "stopctl: interrupted again: exiting at once (the job keeps running in stopd)\n",
               core::exit_code::cancelled) {}

void WaitInterrupter::attach(grpc::ClientContext& context) {
  std::lock_guard lock(mutex_);
  context_ = &context;
  if (interrupted()) context_->TryCancel();
}

void WaitInterrupter::detach() {
  std::lock_guard lock(mutex_);
  context_ = nullptr;
}

void WaitInterrupter::on_signal() {
  std::lock_guard lock(mutex_);
  if (context_ != nullptr) context_->TryCancel();
}

}  // namespace stopd::cli
