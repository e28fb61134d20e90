// Ctrl-C (or SIGTERM, SIGHUP) while stopctl waits for a job in the daemon: stop waiting. The call
// in flight (the watch) is cancelled; the job itself keeps running in the daemon, which is what
// the command then says, with the job's id. A second signal exits at once (exit 17).
#pragma once

#include <grpcpp/client_context.h>

#include <mutex>

#include "stopd/cli/signal_watcher.hpp"

namespace stopd::cli {

class WaitInterrupter {
 public:
  // Blocks the signals (SignalWatcher): construct it before the DaemonClient, so that gRPC's
  // threads inherit the mask.
  WaitInterrupter();
  WaitInterrupter(const WaitInterrupter&) = delete;
  WaitInterrupter& operator=(const WaitInterrupter&) = delete;

  // The first signal received, or 0.
  int signal() const { return watcher_.received(); }
  bool interrupted() const { return signal() != 0; }

  // The call a signal cancels; a signal that came before it cancels it at once.
  void attach(grpc::ClientContext& context);
  // Before the context goes away.
  void detach();

 private:
  void on_signal();

  std::mutex mutex_;
  grpc::ClientContext* context_ = nullptr;
  SignalWatcher watcher_;  // last: stopped before the members its callback uses
};

}  // namespace stopd::cli
