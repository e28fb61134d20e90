// A job manager over a real dispatcher (in-process test providers) and a real journal file.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "jobs_test_support.hpp"
#include "stopd/core/dispatcher.hpp"
#include "stopd/jobs/job_manager.hpp"
#include "stopd/jobs/job_store.hpp"

namespace stopd::test {

class ManagerTest : public ::testing::Test {
 protected:
  // Builds dispatcher, journal and manager over `registry` as it is now. The journal runs with
  // synchronous=NORMAL unless a test says otherwise: the manager's writes then go through the
  // intent log, the path with the most to get wrong (the host and resume tests use FULL).
  void start(core::DispatcherOptions dispatcher_options = fast_options(),
             core::JobManagerOptions manager_options = {},
             core::JournalOptions journal = normal_journal()) {
    dispatcher = std::make_unique<core::Dispatcher>(registry, dispatcher_options);
    store = std::make_unique<core::JobStore>(dir.journal(), std::move(journal));
    manager_options.dispatcher = dispatcher_options;
    manager = std::make_unique<core::JobManager>(*dispatcher, *store, manager_options);
  }

  // What a daemon's orderly exit does: the manager first, then the host's dispatcher (which
  // cancels what still runs), then the journal.
  void stop() {
    manager.reset();
    dispatcher.reset();
    store.reset();
  }

  void TearDown() override { stop(); }

  static core::JournalOptions normal_journal() {
    core::JournalOptions options;
    options.sync_full = false;
    return options;
  }

  static core::DispatcherOptions fast_options() {
    core::DispatcherOptions options;
    options.backoff_initial = std::chrono::milliseconds(5);
    options.backoff_max = std::chrono::milliseconds(20);
    return options;
  }

  static core::JobSubmission submission(std::string id, double grace_seconds = 10,
                                        std::string type = "t.sync") {
    core::JobSubmission out;
    out.request = request_for(std::move(type), std::move(id), grace_seconds);
    out.requester = "unix";
    return out;
  }

  std::size_t journaled(core::JobFilter filter = {}) {
    filter.limit = core::kMaxListLimit;
    std::size_t total = 0;
    for (;;) {
      auto page = store->list(filter);
      total += page.jobs.size();
      if (page.next_after_id.empty()) return total;
      filter.after_id = page.next_after_id;
    }
  }

  TempDir dir;
  core::ProviderRegistry registry;
  std::unique_ptr<core::Dispatcher> dispatcher;
  std::unique_ptr<core::JobStore> store;
  std::unique_ptr<core::JobManager> manager;
};

inline sdk::StopOutcome stopped(std::string message = "done") {
  return sdk::StopOutcome::make(sdk::Code::stopped, std::move(message), {{"exit_code", 0}});
}

}  // namespace stopd::test
