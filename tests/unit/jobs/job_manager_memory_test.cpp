// What a job in flight costs in memory: 10,000 stops on a provider that never completes them,
// submitted through the job manager, against the same through the bare dispatcher. Each test
// measures the resident set (/proc/self/statm) and the heap in use (mallinfo2) before and after;
// run them one per process (ctest does) for clean figures:
//   build/h-jobs/bin/stopd_jobs_tests --gtest_filter='JobMemory.*'
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "manager_fixture.hpp"

namespace stopd::test {
namespace {

using namespace std::chrono_literals;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
// Under a sanitizer the allocator's red zones, quarantine and shadow memory make the figures
// meaningless: fewer jobs, no bound.
constexpr std::size_t kJobs = kSanitized ? 1'000 : 10'000;

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  std::size_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::size_t heap_bytes() {
  const struct mallinfo2 info = ::mallinfo2();
  return info.uordblks + info.hblkhd;
}

struct Snapshot {
  std::size_t resident = resident_bytes();
  std::size_t heap = heap_bytes();
};

void report(const char* what, const Snapshot& before, const Snapshot& after, std::size_t jobs) {
  const double rss = static_cast<double>(after.resident) - static_cast<double>(before.resident);
  const double heap = static_cast<double>(after.heap) - static_cast<double>(before.heap);
  std::printf(
      "[ memory   ] %s: %zu in flight: RSS +%.1f MiB = %.0f B/job; heap +%.1f MiB = %.0f "
      "B/job\n",
      what, jobs, rss / 1048576.0, rss / static_cast<double>(jobs), heap / 1048576.0,
      heap / static_cast<double>(jobs));
  ::testing::Test::RecordProperty("rss_bytes_per_job",
                                  static_cast<int>(rss / static_cast<double>(jobs)));
  ::testing::Test::RecordProperty("heap_bytes_per_job",
                                  static_cast<int>(heap / static_cast<double>(jobs)));
  if (!kSanitized) {
    EXPECT_LT(rss / static_cast<double>(jobs), 16.0 * 1024.0);
  }
}

class JobMemory : public ManagerTest {
 protected:
  void SetUp() override {
    holding = std::make_shared<HoldingProvider>("t.hold");
    holding->watch_cancel = false;  // no callback per stop: the host's cost, not the provider's
    registry.add(holding, {});
  }

  // Warms up threads, caches and the allocator with a few hundred jobs that finish.
  void warm_up(const std::function<void(std::size_t)>& submit_one) {
    for (std::size_t i = 0; i < 300; ++i) submit_one(1'000'000 + i);
    holding->release_all();
    ASSERT_TRUE(eventually([&] { return dispatcher->in_flight() == 0; }));
    std::this_thread::sleep_for(100ms);
    ::malloc_trim(0);
  }

  // kJobs submits from 4 threads.
  static void in_parallel(const std::function<void(std::size_t)>& submit_one) {
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (std::size_t i = t; i < kJobs; i += 4) submit_one(i);
      });
    for (auto& thread : threads) thread.join();
  }

  std::shared_ptr<HoldingProvider> holding;
};

TEST_F(JobMemory, PerJobInFlightThroughTheManager) {
  core::JournalOptions journal;
  journal.sync_full = false;  // the figure is memory; 10,000 fsyncs would only make it slow
  start(fast_options(), {}, journal);
  auto submit_one = [&](std::size_t i) {
    manager->submit(submission("m" + std::to_string(i), 3600, "t.hold"));
  };
  warm_up(submit_one);
  ASSERT_TRUE(eventually([&] { return manager->in_flight() == 0; }));
  const Snapshot before;
  in_parallel(submit_one);
  ASSERT_EQ(manager->in_flight(), kJobs);
  core::JobFilter running;
  running.states = {core::JobState::running};
  ASSERT_TRUE(eventually([&] { return journaled(running) == kJobs; }, 60s));  // write-behind done
  const Snapshot after;
  report("manager + dispatcher", before, after, kJobs);
  EXPECT_EQ(holding->held(), kJobs);

  EXPECT_EQ(manager->drain(0ms), kJobs);
  holding->release_all(sdk::Code::cancelled);
}

TEST_F(JobMemory, PerStopInFlightThroughTheBareDispatcher) {
  dispatcher = std::make_unique<core::Dispatcher>(registry, fast_options());
  std::mutex mutex;
  std::vector<std::shared_ptr<core::StopTicket>> tickets;
  tickets.reserve(kJobs + 300);
  auto submit_one = [&](std::size_t i) {
    auto ticket = dispatcher->submit(request_for("t.hold", "m" + std::to_string(i), 3600));
    std::lock_guard lock(mutex);
    tickets.push_back(std::move(ticket));
  };
  warm_up(submit_one);
  tickets.clear();
  const Snapshot before;
  in_parallel(submit_one);
  EXPECT_EQ(dispatcher->in_flight(), kJobs);
  const Snapshot after;
  report("dispatcher alone", before, after, kJobs);
  holding->release_all(sdk::Code::cancelled);
}

}  // namespace
}  // namespace stopd::test
