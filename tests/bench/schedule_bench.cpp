// Scheduled stops (issue 20's bar): 10,000 schedules loaded into the scheduler over a real host,
// job manager, batch manager and journal; each one's next instant computed; the daemon's idle CPU
// with them and without them; and how late due runs are submitted while both cores are busy.
//
//   1. load: Scheduler built with N schedules (each validated: name, cron, zone, plan) and
//      started, until every one shows its next instant. Median of the rounds.
//   2. next instant: Calendar::next_after for each of the N (cron and zone already parsed), the
//      median cost of one call.
//   3. idle CPU: this process's CPU time over a window in which no schedule is due, with N
//      schedules and with none, on the same host. Real time: the scheduler sleeps on its timer.
//   4. lateness: K schedules due at the same minute, among the N, with two threads spinning on
//      the two cores. Each run's lateness is its batch's creation time minus its instant. The
//      clock's wall reading is moved so the minute turns two seconds after loading (timers,
//      threads and the host are real; see stopd/test/shifted_clock.hpp). Target: p99 <= 1 s.
//
//   stopd_bench_schedule [--schedules 10000] [--rounds 3] [--idle-seconds 65] [--idle-rounds 1]
//                        [--due 100,1000]
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "stopd/core/host.hpp"
#include "stopd/jobs/batch_manager.hpp"
#include "stopd/jobs/job_manager.hpp"
#include "stopd/jobs/job_store.hpp"
#include "stopd/jobs/scheduler.hpp"
#include "stopd/schedule/calendar.hpp"
#include "stopd/test/shifted_clock.hpp"

namespace {

using namespace stopd;
using namespace std::chrono_literals;
namespace chrono = std::chrono;
using Steady = chrono::steady_clock;
using Instant = chrono::sys_seconds;

// A mix of what operators write: weekday evenings, nightly, every quarter hour, monthly, macros.
const std::vector<std::string> kCrons = {
    "0 19 * * 1-5", "30 6 * * *", "*/15 * * * *", "0 0 1 * *",   "@daily",      "0 22 * * 0,6",
    "5 4 * * sun",  "@hourly",    "0 */2 * * *",  "45 23 * * 5", "0 7 1-7 * 1", "@weekly"};
// Zones on both sides of the date line, with and without daylight saving time.
const std::vector<std::string> kZones = {"",
                                         "Europe/Berlin",
                                         "America/New_York",
                                         "Asia/Shanghai",
                                         "Australia/Sydney",
                                         "America/Sao_Paulo",
                                         "Asia/Kolkata",
                                         "Pacific/Auckland"};

std::string noop_plan(const std::string& id) {
  return nlohmann::json{
      {"version", 1},
      {"steps", {{{"name", "s"}, {"type", "bench.noop"}, {"target", {{"id", id}}}}}}}
      .dump();
}

core::ScheduleSpec spec(std::string name, std::string cron, std::string tz) {
  core::ScheduleSpec s;
  s.plan = noop_plan(name);
  s.name = std::move(name);
  s.cron = std::move(cron);
  s.tz = std::move(tz);
  s.plan_source = "bench";
  return s;
}

// N schedules of the mix, named s-0 … s-(N-1).
std::vector<core::ScheduleSpec> mixed(std::size_t n) {
  std::vector<core::ScheduleSpec> specs;
  specs.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    specs.push_back(spec("s-" + std::to_string(i), kCrons[i % kCrons.size()],
                         kZones[(i / kCrons.size()) % kZones.size()]));
  return specs;
}

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double ms_since(Steady::time_point start) {
  return chrono::duration<double, std::milli>(Steady::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  const auto index = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(index, v.size() - 1)];
}

// A daemon's parts (no gRPC): a host with the no-op plugin, a journal in a temp dir
// (journal.sync: normal, the default config's), the job and batch managers, on `clock`.
struct Daemon {
  std::filesystem::path dir;
  std::unique_ptr<core::Host> host;
  std::unique_ptr<core::JobStore> store;
  std::unique_ptr<core::JobManager> jobs;
  std::unique_ptr<core::BatchManager> batches;

  explicit Daemon(std::shared_ptr<core::HostClock> clock) {
    std::string templ = (std::filesystem::temp_directory_path() / "stopd-bench-schedule.XXXXXX");
    if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = templ;
    core::HostConfig config = core::parse_host_config(
        {{"plugin_dirs", {STOPD_BENCH_PLUGIN_DIR}}, {"log_level", "error"}}, "");
    config.dispatcher.clock = std::move(clock);
    host = std::make_unique<core::Host>(config, std::filesystem::path{});
    core::JournalOptions journal;
    journal.sync_full = false;
    store = std::make_unique<core::JobStore>(dir / "journal.db", journal);
    core::JobManagerOptions options;
    options.dispatcher = config.dispatcher;
    jobs = std::make_unique<core::JobManager>(*host, *store, options);
    batches = std::make_unique<core::BatchManager>(*host, *jobs, *store);
  }
  ~Daemon() {
    batches.reset();
    jobs.reset();
    store.reset();
    host.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

bool all_have_next(const core::Scheduler& scheduler) {
  for (const auto& status : scheduler.list())
    if (!status.next) return false;
  return true;
}

// Waits (real time, bounded) until `done`; false if it never was.
template <class Done>
bool wait_for(Done&& done, chrono::seconds bound) {
  const auto until = Steady::now() + bound;
  while (!done()) {
    if (Steady::now() > until) return false;
    std::this_thread::sleep_for(20ms);  // list() copies every status: not too often
  }
  return true;
}

// The wall readings to shift to, on a fixed day (a Monday in winter): 10:00:00 + `offset`. From
// 10:00:00 to 10:15:00 (exclusive) no calendar of the mix is due, so loading and the idle window
// fire nothing; "* * * * *" is due at 10:01:00, alone.
chrono::system_clock::time_point quiet_morning(chrono::seconds offset) {
  return chrono::sys_days{chrono::year{2027} / 1 / 11} + 10h + offset;
}
constexpr chrono::seconds kQuietFor = 14min;

struct Row {
  std::string figure, value, target, result;
};

std::string fixed(double v, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << v;
  return out.str();
}

std::vector<std::size_t> parse_list(const std::string& text) {
  std::vector<std::size_t> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoul(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t schedules = 10'000;
  int rounds = 3;
  int idle_seconds = 65;  // more than Scheduler::kMaxSleep: the window holds a wake
  int idle_rounds = 1;
  std::vector<std::size_t> due_counts = {100, 1000};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--schedules")
      schedules = std::stoul(argv[i + 1]);
    else if (flag == "--rounds")
      rounds = std::stoi(argv[i + 1]);
    else if (flag == "--idle-seconds")
      idle_seconds = std::stoi(argv[i + 1]);
    else if (flag == "--idle-rounds")
      idle_rounds = std::stoi(argv[i + 1]);
    else if (flag == "--due")
      due_counts = parse_list(argv[i + 1]);
    else {
      std::cerr << "usage: stopd_bench_schedule [--schedules N] [--rounds R] [--idle-seconds S] "
                   "[--idle-rounds R] [--due K1,K2]\n";
      return 2;
    }
  }
  std::vector<Row> rows;

  // 1. and 2. Loading, and each next instant. The wall reading sits in the middle of a minute,
  // so nothing fires while this runs.
  {
    std::cout << "== 1. load " << schedules << " schedules (validate, start, every next shown), "
              << rounds << " rounds\n";
    std::vector<double> load_ms;
    for (int round = 0; round < rounds; ++round) {
      Daemon d(std::make_shared<test::ShiftedClock>(quiet_morning(30s)));
      auto specs = mixed(schedules);
      const auto start = Steady::now();
      core::Scheduler scheduler(*d.batches, d.host->dispatcher().clock(), std::move(specs));
      scheduler.start();
      if (!wait_for([&] { return all_have_next(scheduler); }, 120s)) {
        std::cerr << "not every schedule showed its next instant within 120 s\n";
        return 1;
      }
      load_ms.push_back(ms_since(start));
      std::cout << "  round " << round + 1 << ": " << fixed(load_ms.back(), 1) << " ms\n";
    }
    rows.push_back({"1. load " + std::to_string(schedules) + " schedules (median)",
                    fixed(median(load_ms), 1) + " ms", "", ""});
    rows.push_back({"1. load, per schedule",
                    fixed(median(load_ms) * 1000.0 / static_cast<double>(schedules), 1) + " us", "",
                    ""});

    std::cout << "== 2. next instant of each, " << rounds << " rounds\n";
    std::vector<core::Calendar> calendars;
    for (const auto& s : mixed(schedules))
      calendars.emplace_back(core::CronExpression::parse(s.cron), s.tz);
    const Instant from = chrono::floor<chrono::seconds>(quiet_morning(30s));
    std::vector<double> per_call_us;
    std::size_t found = 0;
    for (int round = 0; round < rounds; ++round) {
      const auto start = Steady::now();
      for (const auto& calendar : calendars)
        if (calendar.next_after(from)) ++found;
      per_call_us.push_back(ms_since(start) * 1000.0 / static_cast<double>(calendars.size()));
    }
    if (found != calendars.size() * static_cast<std::size_t>(rounds)) {
      std::cerr << "a calendar of the mix has no next instant\n";
      return 1;
    }
    rows.push_back(
        {"2. next instant, per schedule (median)", fixed(median(per_call_us), 2) + " us", "", ""});
  }

  // 3. Idle CPU, with and without the schedules, alternating.
  {
    std::cout << "== 3. idle CPU over " << idle_seconds << " s, with " << schedules
              << " schedules and with none, " << idle_rounds << " round(s)\n";
    if (chrono::seconds(idle_seconds) + 60s > kQuietFor) {
      std::cerr << "--idle-seconds: at most " << (kQuietFor - 60s).count() << "\n";
      return 2;
    }
    std::vector<double> with, without;
    for (int round = 0; round < idle_rounds; ++round)
      for (const bool loaded : {true, false}) {
        // The window ends before the minute turns: no calendar of the mix fires inside a minute.
        Daemon d(std::make_shared<test::ShiftedClock>(quiet_morning(30s)));
        core::Scheduler scheduler(*d.batches, d.host->dispatcher().clock(),
                                  loaded ? mixed(schedules) : std::vector<core::ScheduleSpec>{});
        scheduler.start();
        if (!wait_for([&] { return all_have_next(scheduler); }, 120s)) {
          std::cerr << "not every schedule showed its next instant within 120 s\n";
          return 1;
        }
        std::this_thread::sleep_for(1s);  // settled: the journal's start, the first wake
        const double cpu = process_cpu_seconds();
        const auto start = Steady::now();
        std::this_thread::sleep_for(chrono::seconds(idle_seconds));
        const double share = (process_cpu_seconds() - cpu) / (ms_since(start) / 1000.0) * 100.0;
        (loaded ? with : without).push_back(share);
        std::cout << "  round " << round + 1 << (loaded ? " with:    " : " without: ")
                  << fixed(share, 3) << " % of a core\n";
        if (scheduler.list().size() != (loaded ? schedules : 0)) {
          std::cerr << "the scheduler lists " << scheduler.list().size() << " schedules\n";
          return 1;
        }
      }
    rows.push_back({"3. idle CPU with " + std::to_string(schedules) + " schedules (median)",
                    fixed(median(with), 3) + " % core", "", ""});
    rows.push_back(
        {"3. idle CPU with none (median)", fixed(median(without), 3) + " % core", "", ""});
  }

  // 4. Lateness under load: both cores spinning, K schedules due at one instant among the N.
  for (const std::size_t due : due_counts) {
    std::cout << "== 4. " << due << " runs due at one instant among " << schedules
              << " schedules, two spinning threads\n";
    auto clock = std::make_shared<test::ShiftedClock>(quiet_morning(30s));
    Daemon d(clock);
    auto specs = mixed(schedules);
    for (std::size_t i = 0; i < due; ++i)
      specs.push_back(spec("due-" + std::to_string(i), "* * * * *", ""));
    core::Scheduler scheduler(*d.batches, d.host->dispatcher().clock(), std::move(specs));
    clock->move_to(quiet_morning(58s));  // after loading, however long it took: due in 2 s
    std::atomic<bool> spinning{true};
    std::vector<std::thread> load;
    for (int i = 0; i < 2; ++i)
      load.emplace_back([&] {
        volatile std::uint64_t x = 0;
        while (spinning.load(std::memory_order_relaxed)) x = x + 1;
      });
    scheduler.start();
    const Instant instant = chrono::floor<chrono::seconds>(quiet_morning(60s));
    const bool all_ran = wait_for(
        [&] {
          std::size_t ran = 0;
          for (const auto& status : scheduler.list())
            if (status.name.rfind("due-", 0) == 0 && status.runs > 0) ++ran;
          return ran == due;
        },
        chrono::seconds(60 + static_cast<long>(due) / 10));
    spinning = false;
    for (auto& thread : load) thread.join();
    if (!all_ran) {
      std::cerr << "not every due run was submitted in time\n";
      return 1;
    }
    std::vector<double> lateness_ms;
    for (std::size_t i = 0; i < due; ++i) {
      const auto batch = d.batches->find_by_request_id(
          core::Scheduler::run_request_id("due-" + std::to_string(i), instant));
      if (!batch) {
        std::cerr << "due-" << i << ": no batch for the instant\n";
        return 1;
      }
      lateness_ms.push_back(chrono::duration<double, std::milli>(batch->created - instant).count());
    }
    const double p99 = percentile(lateness_ms, 99);
    std::cout << "  p50 " << fixed(percentile(lateness_ms, 50), 1) << " ms, p99 " << fixed(p99, 1)
              << " ms, max " << fixed(percentile(lateness_ms, 100), 1) << " ms, min "
              << fixed(percentile(lateness_ms, 0), 1) << " ms\n";
    rows.push_back({"4. lateness p50, " + std::to_string(due) + " due at once",
                    fixed(percentile(lateness_ms, 50), 1) + " ms", "", ""});
    rows.push_back({"4. lateness p99, " + std::to_string(due) + " due at once",
                    fixed(p99, 1) + " ms", "<= 1000 ms", p99 <= 1000.0 ? "PASS" : "FAIL"});
  }

  std::cout << '\n'
            << std::left << std::setw(52) << "figure" << std::setw(18) << "value" << std::setw(12)
            << "target"
            << "result\n"
            << std::string(88, '-') << '\n';
  for (const Row& row : rows)
    std::cout << std::setw(52) << row.figure << std::setw(18) << row.value << std::setw(12)
              << row.target << row.result << '\n';
  return 0;
}
