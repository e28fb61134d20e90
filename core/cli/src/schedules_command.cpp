#include "stopd/cli/schedules_command.hpp"

#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>

#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/daemon_client.hpp"
#include "stopd/cli/since_argument.hpp"
#include "stopd/core/bounded_read.hpp"
#include "stopd/core/input_limits.hpp"
#include "stopd/schedule/calendar.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;
namespace chrono = std::chrono;

constexpr std::size_t kDefaultCount = 5;
constexpr std::size_t kMaxCount = 1000;

std::size_t parse_count(const std::string& text) {
  std::size_t count = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (error != std::errc() || end != text.data() + text.size() || count < 1 || count > kMaxCount)
    throw usage_error("--count: expected a number of instants from 1 to " +
                      std::to_string(kMaxCount) + ", got '" + shorten(text, 40) + "'");
  return count;
}

// In this process's zone (TZ, else /etc/localtime), as the operator reads a clock: for people
// ("2026-12-07 19:00:00 CET") or, `iso`, RFC 3339 ("2026-12-07T19:00:00+0100").
std::string machine_local(core::Calendar::Instant at, bool iso) {
  const std::time_t seconds = chrono::system_clock::to_time_t(at);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[64];
  const std::size_t length = iso ? std::strftime(text, sizeof text, "%FT%T%z", &local)
                                 : std::strftime(text, sizeof text, "%F %T %Z", &local);
  return std::string(text, length);
}

// A protobuf message as JSON with its proto field names, every field present.
json message_json(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options).ok())
    throw outcome_error(sdk::Code::internal, "cannot convert the daemon's answer to JSON");
  return json::parse(text);
}

std::string utc_text(const google::protobuf::Timestamp& at) {
  const std::time_t seconds = static_cast<std::time_t>(at.seconds());
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const std::size_t length = std::strftime(text, sizeof text, "%FT%TZ", &utc);
  return std::string(text, length);
}

long long parse_number(const std::string& flag, const std::string& text) {
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size())
    throw usage_error(flag + ": expected a whole number, got '" + shorten(text, 40) + "'");
  return value;
}

std::string padded(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string state_of(const v1::Schedule& schedule) {
  return schedule.definition().paused() ? "paused" : "active";
}

std::string next_text(const v1::Schedule& schedule) {
  if (schedule.definition().paused()) return "- (paused)";
  if (!schedule.has_next()) return "never";
  std::string text = utc_text(schedule.next());
  if (schedule.next_delay_seconds() > 0)
    text += " +" + std::to_string(schedule.next_delay_seconds()) + "s jitter";
  return text;
}

void print_schedule(const v1::Schedule& schedule, Console& console) {
  const v1::ScheduleDefinition& d = schedule.definition();
  console.out("schedule " + d.name() + " (" +
              (schedule.origin() == "config" ? std::string("from the config file")
                                             : "created over the API by " + schedule.requester()) +
              ")");
  console.out("  calendar:  " + d.cron() + " in " + (d.tz().empty() ? "UTC" : d.tz()));
  console.out("  state:     " + state_of(schedule));
  console.out("  next:      " + next_text(schedule));
  console.out("  plan:      " + d.plan_source());
  console.out("  overlap:   " + d.overlap() + "; catch-up " + std::to_string(d.catch_up_seconds()) +
              " s; jitter " + std::to_string(d.jitter_seconds()) + " s");
  console.out("  history:   keeps " + std::to_string(d.history_succeeded()) + " succeeded and " +
              std::to_string(d.history_failed()) + " failed run(s)");
  console.out("  counts:    since stopd started: " + std::to_string(schedule.runs()) +
              " started, " + std::to_string(schedule.skipped()) + " skipped (overlap), " +
              std::to_string(schedule.missed()) + " missed, " + std::to_string(schedule.refused()) +
              " refused");
  if (schedule.history().empty()) {
    console.out("  runs:      none in the journal");
    return;
  }
  console.out("  runs (newest first):");
  for (const v1::ScheduleRun& run : schedule.history())
    console.out("    " + padded(run.batch_id(), 30) + " " +
                padded(run.now() ? std::string("run-now") : "due " + utc_text(run.due()), 26) +
                " " + run.result());
}

std::string read_plan_file(const std::string& path) {
  try {
    return path == "-"
               ? core::read_fd_bounded(STDIN_FILENO, "<stdin>", core::limits::kMaxPlanFileBytes)
               : core::read_file_bounded(path, core::limits::kMaxPlanFileBytes);
  } catch (const core::FileReadError& e) {
    throw usage_error(std::string("--plan: ") + e.what());
  }
}

// The parts of a definition given on the command line (create and update), over `d`.
void set_given(v1::ScheduleDefinition& d, const SchedulesArguments& args) {
  if (!args.cron.empty()) d.set_cron(args.cron);
  if (args.tz) d.set_tz(*args.tz);
  if (!args.plan.empty()) {
    d.set_plan(read_plan_file(args.plan));
    d.set_plan_source(args.plan == "-" ? "<stdin>" : args.plan);
  }
  if (args.overlap) d.set_overlap(*args.overlap);
  if (args.catch_up) d.set_catch_up_seconds(parse_number("--catch-up", *args.catch_up));
  if (args.jitter) d.set_jitter_seconds(parse_number("--jitter", *args.jitter));
  const auto count = [](const char* option, const std::string& text) {
    const long long n = parse_number(option, text);
    if (n < 0) throw usage_error(std::string(option) + ": expected 0 or more");
    return static_cast<std::uint32_t>(n);
  };
  if (args.history_succeeded)
    d.set_history_succeeded(count("--history-succeeded", *args.history_succeeded));
  if (args.history_failed) d.set_history_failed(count("--history-failed", *args.history_failed));
}

}  // namespace

int run_schedules(const std::string& action, const GlobalOptions& global,
                  const SchedulesArguments& args, Console& console) {
  DaemonClient client(global, console);
  if (action == "list") {
    v1::ListSchedulesResponse all;
    v1::ListSchedulesRequest request;
    request.set_limit(1000);
    for (;;) {  // every page
      v1::ListSchedulesResponse page = client.list_schedules(request);
      for (auto& schedule : *page.mutable_schedules()) *all.add_schedules() = std::move(schedule);
      if (page.next_page_token().empty()) break;
      request.set_page_token(page.next_page_token());
    }
    if (console.json()) {
      json out = {{"schedules", json::array()}};
      for (const auto& schedule : all.schedules())
        out["schedules"].push_back(message_json(schedule));
      console.out_json(out);
      return core::exit_code::ok;
    }
    if (all.schedules().empty()) {
      console.out(
          "no schedules (add one to the config file's \"schedules\", or "
          "'stopctl schedules create')");
      return core::exit_code::ok;
    }
    console.out(padded("NAME", 24) + " " + padded("ORIGIN", 6) + " " + padded("STATE", 6) + " " +
                padded("CRON", 20) + " " + padded("TZ", 18) + " NEXT (UTC)");
    for (const v1::Schedule& schedule : all.schedules()) {
      const v1::ScheduleDefinition& d = schedule.definition();
      console.out(padded(d.name(), 24) + " " + padded(schedule.origin(), 6) + " " +
                  padded(state_of(schedule), 6) + " " + padded(d.cron(), 20) + " " +
                  padded(d.tz().empty() ? "UTC" : d.tz(), 18) + " " + next_text(schedule));
    }
    return core::exit_code::ok;
  }
  if (action == "show") {
    const v1::Schedule schedule = client.get_schedule(args.name);
    if (console.json())
      console.out_json(message_json(schedule));
    else
      print_schedule(schedule, console);
    return core::exit_code::ok;
  }
  if (action == "create" || action == "update") {
    const bool creating = action == "create";
    v1::ScheduleDefinition d;
    v1::ScheduleDefinition as_read;  // update: what the daemon had when stopctl read it
    if (creating) {
      d.set_name(args.name);
      d.set_overlap("forbid");
      d.set_paused(args.paused);
    } else {
      if (args.cron.empty() && !args.tz && args.plan.empty() && !args.overlap && !args.catch_up &&
          !args.jitter && !args.history_succeeded && !args.history_failed)
        throw usage_error(
            "schedules update: nothing to change; give one or more of --cron, --tz, --plan, "
            "--overlap, --catch-up, --jitter, --history-succeeded, --history-failed");
      // UpdateSchedule replaces the whole definition: what was not given stays as it is, and
      // the daemon refuses (ABORTED) if another client changed the schedule since this read,
      // rather than put back what that client changed.
      d = client.get_schedule(args.name).definition();
      as_read = d;
    }
    set_given(d, args);
    const v1::Schedule schedule = [&] {
      if (creating) {
        v1::CreateScheduleRequest request;
        *request.mutable_schedule() = std::move(d);
        request.set_dry_run(args.dry_run);
        return client.create_schedule(request);
      }
      v1::UpdateScheduleRequest request;
      *request.mutable_schedule() = std::move(d);
      *request.mutable_if_unchanged_from() = std::move(as_read);
      request.set_dry_run(args.dry_run);
      return client.update_schedule(request);
    }();
    if (console.json()) {
      json out = message_json(schedule);
      out["dry_run"] = args.dry_run;
      console.out_json(out);
    } else if (args.dry_run) {
      console.out("dry run: schedule " + args.name + (creating ? " is" : " as changed would be") +
                  " valid; its plan expands to " + std::to_string(schedule.dry_run_items()) +
                  " item(s) now; nothing was stored");
    } else {
      console.out((creating ? "created schedule " : "updated schedule ") + args.name +
                  "; next run: " + next_text(schedule));
    }
    return core::exit_code::ok;
  }
  if (action == "delete") {
    client.delete_schedule(args.name);
    if (console.json())
      console.out_json({{"deleted", args.name}});
    else
      console.out("deleted schedule " + args.name + " (its past runs stay in the journal)");
    return core::exit_code::ok;
  }
  if (action == "pause" || action == "resume") {
    const v1::Schedule schedule = client.pause_schedule(args.name, action == "pause");
    if (console.json())
      console.out_json(message_json(schedule));
    else
      console.out((action == "pause" ? "paused schedule " : "resumed schedule ") + args.name +
                  "; next run: " + next_text(schedule));
    return core::exit_code::ok;
  }
  if (action == "run-now") {
    const v1::Batch batch = client.run_schedule_now(args.name);
    if (console.json())
      console.out_json(message_json(batch));
    else
      console.out("schedule " + args.name + ": started batch " + batch.id() + " (request_id " +
                  batch.request_id() + ")");
    return core::exit_code::ok;
  }
  throw usage_error("schedules: unknown command " + action);
}

int run_schedules_next(const GlobalOptions& global, const SchedulesNextArguments& args,
                       Console& console) {
  const std::size_t count = args.count ? parse_count(*args.count) : kDefaultCount;
  std::string cron = args.cron;
  std::string tz = args.tz.value_or("");
  if (!args.name.empty()) {  // the daemon's schedule: its calendar, read here
    if (!args.cron.empty() || args.tz)
      throw usage_error("give a schedule's NAME or --cron [--tz], not both");
    DaemonClient client(global, console);
    const v1::Schedule schedule = client.get_schedule(args.name);
    cron = schedule.definition().cron();
    tz = schedule.definition().tz();
  } else if (cron.empty()) {
    throw usage_error("give a schedule's NAME (a schedule of the daemon) or --cron EXPR");
  }
  std::optional<core::Calendar> calendar;
  try {
    calendar.emplace(core::CronExpression::parse(cron), tz);
  } catch (const core::CronError& e) {
    throw usage_error(std::string("--") + e.what());
  }
  const auto now = chrono::system_clock::now();
  const auto from =
      chrono::floor<chrono::seconds>(args.after ? parse_moment("--after", *args.after, now) : now);
  const auto instants = calendar->next(from, count);

  if (console.json()) {
    json out = {{"cron", cron}, {"tz", calendar->zone_name()}, {"next", json::array()}};
    for (const auto at : instants)
      out["next"].push_back({{"at", machine_local(at, true)},
                             {"in_zone", calendar->local_text(at)},
                             {"unix_seconds", at.time_since_epoch().count()}});
    console.out_json(out);
    return core::exit_code::ok;
  }
  if (instants.empty()) {
    console.out("'" + shorten(cron, 100) + "' never fires (no such day in 28 years)");
    return core::exit_code::ok;
  }
  console.out("next " + std::to_string(instants.size()) + " of '" + shorten(cron, 100) + "' in " +
              calendar->zone_name() + " (and this machine's local time):");
  for (const auto at : instants)
    console.out("  " + calendar->local_text(at) + "   (" + machine_local(at, false) + ")");
  return core::exit_code::ok;
}

}  // namespace stopd::cli
