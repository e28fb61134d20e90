// What the scheduler's read of its runs' history costs on a journal of large batches: the journal's
// newest batches read whole (JobStore::list_batches, what the scheduler did before) against the
// runs read by request_id prefix with their summary only (JobStore::list_batch_runs, what it does
// on every start, every wake with runs, and every GetSchedule, AddSchedule and RunNow).
//
//   stopd_bench_schedule_history [--batches 1000] [--items 1000] [--schedules 50] [--rounds 3]
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <string>
#include <string_view>

#include "stopd/jobs/job_store.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using stopd::core::BatchRow;
using stopd::core::JobStore;

std::size_t flag(int argc, char** argv, std::string_view name, std::size_t fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return std::strtoull(argv[i + 1], nullptr, 10);
  return fallback;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t batches = flag(argc, argv, "--batches", 1000);
  const std::size_t items = flag(argc, argv, "--items", 1000);
  const std::size_t schedules = std::max<std::size_t>(1, flag(argc, argv, "--schedules", 50));
  const std::size_t rounds = flag(argc, argv, "--rounds", 3);
  const fs::path dir =
      fs::temp_directory_path() / ("stopd-schedule-history-" + std::to_string(getpid()));
  fs::create_directories(dir);
  {
    JobStore store(dir / "journal.db");
    // Each batch as a finished scheduled run journals it: the expanded items in its spec, every
    // item's record in its result.
    nlohmann::json spec_items = nlohmann::json::array();
    nlohmann::json records = nlohmann::json::array();
    for (std::size_t i = 0; i < items; ++i) {
      const std::string id = "stop#" + std::to_string(i);
      spec_items.push_back(
          {{"id", id}, {"type", "local.process"}, {"target", {{"pid", 10000 + i}}}});
      records.push_back({{"item", id},
                         {"code", "stopped"},
                         {"message", "exited after SIGTERM"},
                         {"duration_ms", 40}});
    }
    const auto start = std::chrono::system_clock::now() - std::chrono::hours(24 * 30);
    for (std::size_t b = 0; b < batches; ++b) {
      BatchRow row;
      row.id = "b-" + std::to_string(100000 + b);
      row.finished = true;
      row.requester = "schedule:s" + std::to_string(b % schedules);
      row.request_id = "schedule/s" + std::to_string(b % schedules) + "/" +
                       std::to_string(1'700'000'000 + 3600 * b);
      row.created = start + std::chrono::hours(b);
      row.finished_at = row.created + std::chrono::seconds(5);
      row.spec = {{"plan", {{"version", 1}}}, {"items", spec_items}};
      row.result = {{"summary", {{"succeeded", items}, {"failed", 0}}}, {"items", records}};
      store.insert_batch(row);
    }
    std::cout << batches << " finished batches of " << items << " items, " << schedules
              << " schedules; journal " << fs::file_size(dir / "journal.db") / (1 << 20)
              << " MiB\n";
    std::cout << std::fixed << std::setprecision(1);
    for (std::size_t r = 0; r < rounds; ++r) {
      auto t = Clock::now();
      const auto whole = store.list_batches(1000);
      const double whole_ms = ms_since(t);
      t = Clock::now();
      const auto runs = store.list_batch_runs("schedule/", 1000);
      const double runs_ms = ms_since(t);
      t = Clock::now();
      const auto one = store.list_batch_runs("schedule/s7/", 1000);
      const double one_ms = ms_since(t);
      std::cout << "round " << r + 1 << ": newest 1000 batches whole " << whole_ms << " ms ("
                << whole.size() << "); runs of every schedule " << runs_ms << " ms (" << runs.size()
                << "); runs of one schedule " << one_ms << " ms (" << one.size() << ")\n";
    }
  }
  fs::remove_all(dir);
  return 0;
}
