// "schedules": scheduled stops. The schema has checked each entry's shape; here its cron and zone
// are read (an error names the schedule and the field), names are unique, and a plan file is read
// (bounded), so a schedule that could never run stops the daemon at start, not at 19:00.
#include <cmath>
#include <set>

#include "config_checks.hpp"
#include "stopd/core/bounded_read.hpp"
#include "stopd/schedule/calendar.hpp"

namespace stopd::core::config_detail {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A plan file is a plan: the batch command's own limit.
constexpr std::size_t kMaxPlanBytes = 16 * 1024 * 1024;

}  // namespace

std::vector<ScheduleConfig> parse_schedules(const json* section, const fs::path& base_dir) {
  std::vector<ScheduleConfig> schedules;
  if (section == nullptr) return schedules;
  std::set<std::string> names;
  for (const json& entry : *section) {
    ScheduleConfig schedule;
    schedule.name = entry.at("name").get<std::string>();
    const std::string key = "config.schedules." + schedule.name;
    if (!names.insert(schedule.name).second)
      fail(key, "a second schedule with this name (names must be unique)");
    schedule.cron = entry.at("cron").get<std::string>();
    schedule.tz = entry.value("tz", "");
    try {
      Calendar calendar(CronExpression::parse(schedule.cron), schedule.tz);
    } catch (const CronError& e) {
      const std::string what = e.what();  // "cron: …" or "tz: …"
      throw ConfigError(key + "." + what);
    }
    const json& plan = entry.at("plan");
    if (plan.is_string()) {
      const fs::path file = resolve_path(base_dir, plan.get<std::string>());
      try {
        schedule.plan = read_file_bounded(file, kMaxPlanBytes);
      } catch (const std::exception& e) {
        fail(key + ".plan", e.what());
      }
      schedule.plan_source = file.string();
    } else {
      schedule.plan = plan.dump();
      schedule.plan_source = key + ".plan";
    }
    schedule.replace = entry.value("overlap", "forbid") == "replace";
    if (auto it = entry.find("catch_up_seconds"); it != entry.end())
      schedule.catch_up = std::chrono::seconds(std::llround(it->get<double>()));
    schedule.paused = entry.value("paused", false);
    schedule.jitter = std::chrono::seconds(entry.value("jitter_seconds", 0));
    if (const auto it = entry.find("history"); it != entry.end()) {
      schedule.history_succeeded = it->value("succeeded", 3u);
      schedule.history_failed = it->value("failed", 1u);
    }
    schedules.push_back(std::move(schedule));
  }
  return schedules;
}

}  // namespace stopd::core::config_detail
