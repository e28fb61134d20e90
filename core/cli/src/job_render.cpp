#include "stopd/cli/job_render.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "stopd/cli/render.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;
namespace chrono = std::chrono;

chrono::milliseconds since(SystemTime from, SystemTime to) {
  return std::max(chrono::duration_cast<chrono::milliseconds>(to - from), chrono::milliseconds(0));
}

std::string pad(const std::string& text, std::size_t width) {
  return text + std::string(width > text.size() ? width - text.size() : 0, ' ');
}

// Display width in columns of our own text (UTF-8, no wide characters).
std::size_t columns(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string pad_columns(const std::string& text, std::size_t width) {
  const std::size_t used = columns(text);
  return text + std::string(width > used ? width - used : 0, ' ');
}

std::string outcome_cell(const core::Job& job) {
  if (!job.outcome) return "-";
  std::string cell(sdk::to_string(job.outcome->code));
  if (job.outcome->forced) cell += " (forced)";
  if (job.request.dry_run) cell += " (dry run)";
  return cell;
}

// "stopped", "stopped, forced", "stopped, dry run".
std::string outcome_text(const core::Job& job) {
  if (!job.outcome) return "-";
  std::string text(sdk::to_string(job.outcome->code));
  if (job.outcome->forced) text += ", forced";
  if (job.request.dry_run) text += ", dry run";
  return text;
}

std::string time_and_age(const std::optional<SystemTime>& at, SystemTime now) {
  if (!at) return "-";
  return timestamp_text(*at) + " (" + age_text(since(*at, now)) + " ago)";
}

std::string facts_text(const json& facts) {
  if (!facts.is_object() || facts.empty()) return {};
  return target_text(facts);
}

}  // namespace

std::string timestamp_text(SystemTime at) {
  const auto ms = chrono::duration_cast<chrono::milliseconds>(at.time_since_epoch()).count();
  const long long seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  const auto time = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  char text[48];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03lldZ", ms - seconds * 1000);
  return text;
}

std::string age_text(chrono::milliseconds age) {
  const long long s = std::max<long long>(age.count() / 1000, 0);
  if (s < 120) return std::to_string(s) + "s";
  if (s < 120 * 60) return std::to_string(s / 60) + "m";
  if (s < 48 * 3600) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string schedule_text(const sdk::StopRequest& request) {
  if (request.mode == sdk::Mode::immediate) return "immediate";
  if (!request.grace) return "unbounded grace";
  return "grace " + format_duration(*request.grace);
}

core::StopResult result_of(const core::Job& job) {
  core::StopResult result;
  result.stop_id = job.stop_id;
  if (job.outcome) result.outcome = *job.outcome;
  result.attempts = job.attempts;
  result.joined = job.joined;
  result.dry_run = job.request.dry_run;
  result.started = job.started.value_or(job.created);
  result.finished = job.finished.value_or(result.started);
  if (result.finished < result.started) result.finished = result.started;
  return result;
}

std::string outcome_line(const core::Job& job) {
  return human_result(job.request.type, job.request.target, {}, result_of(job));
}

std::string accepted_line(const core::Job& job) {
  std::string line = "accepted: job " + job.id + " " + job.request.type + " " +
                     target_text(job.request.target) + " (" +
                     std::string(core::to_string(job.state));
  if (job.outcome) line += ": " + std::string(sdk::to_string(job.outcome->code));
  line += ", " + schedule_text(job.request);
  if (job.request.dry_run) line += ", dry run";
  if (job.joined) line += ", joined a stop already in flight";
  line += ")";
  if (!job.is_finished()) line += "; follow it with 'stopctl jobs watch " + job.id + "'";
  return line;
}

std::vector<std::string> job_details(const core::Job& job, SystemTime now) {
  std::vector<std::string> lines;
  const auto add = [&](const std::string& key, const std::string& value) {
    lines.push_back("  " + pad(key + ":", 12) + value);
  };
  lines.push_back("job " + job.id);
  std::string state(core::to_string(job.state));
  if (job.outcome) state += " (" + outcome_text(job) + ")";
  add("state", state);
  add("type", job.request.type);
  add("target", target_text(job.request.target));
  if (job.request.options.is_object() && !job.request.options.empty())
    add("options", target_text(job.request.options));
  add("mode",
      (job.request.mode == sdk::Mode::immediate ? std::string("immediate")
                                                : "graceful, " + schedule_text(job.request)) +
          (job.request.dry_run ? ", dry run" : ""));
  add("requester", job.requester.empty() ? std::string("-") : job.requester);
  if (!job.request_id.empty()) add("request id", job.request_id);
  add("created", time_and_age(job.created, now));
  add("started", time_and_age(job.started, now));
  if (job.finished)
    add("finished", time_and_age(job.finished, now) + ", took " +
                        format_duration(since(job.started.value_or(job.created), *job.finished)));
  else
    add("finished", "-");
  if (job.force_at && !job.is_finished() && job.request.mode == sdk::Mode::graceful) {
    const bool ahead = *job.force_at > now;
    const std::string when =
        age_text(ahead ? since(now, *job.force_at) : since(*job.force_at, now));
    add("force at",
        timestamp_text(*job.force_at) + (ahead ? " (in " + when + ")" : " (" + when + " ago)"));
  }
  add("deadline", timestamp_text(job.deadline));
  add("attempts", std::to_string(job.attempts));
  if (job.resumed > 0) add("resumed", std::to_string(job.resumed) + " time(s) after a restart");
  if (!job.stop_id.empty())
    add("stop", job.stop_id + (job.joined ? " (joined a stop already in flight)" : ""));
  if (job.outcome) add("outcome", outcome_line(job));
  return lines;
}

std::vector<std::string> job_table(const std::vector<core::Job>& jobs, SystemTime now) {
  struct Row {
    std::string id, state, type, target, outcome, age;
  };
  std::vector<Row> rows;
  rows.reserve(jobs.size());
  Row widths{"ID", "STATE", "TYPE", "TARGET", "OUTCOME", "AGE"};
  std::size_t w[5] = {2, 5, 4, 6, 7};
  for (const core::Job& job : jobs) {
    Row row{core::printable(job.id),
            std::string(core::to_string(job.state)),
            shorten(core::printable(job.request.type), 40),
            shorten(core::printable(target_text(job.request.target)), 48),
            outcome_cell(job),
            age_text(since(job.created, now))};
    w[0] = std::max(w[0], columns(row.id));
    w[1] = std::max(w[1], columns(row.state));
    w[2] = std::max(w[2], columns(row.type));
    w[3] = std::max(w[3], columns(row.target));
    w[4] = std::max(w[4], columns(row.outcome));
    rows.push_back(std::move(row));
  }
  const auto line = [&](const Row& r) {
    return pad_columns(r.id, w[0]) + "  " + pad_columns(r.state, w[1]) + "  " +
           pad_columns(r.type, w[2]) + "  " + pad_columns(r.target, w[3]) + "  " +
           pad_columns(r.outcome, w[4]) + "  " + r.age;
  };
  std::vector<std::string> lines{line(widths)};
  for (const Row& row : rows) lines.push_back(line(row));
  return lines;
}

std::string event_line(const core::JobEvent& event) {
  std::string line = timestamp_text(event.at) + "  " + event.kind + "  ";
  const core::Job& job = event.job;
  if (job.is_finished() && job.outcome) return line + outcome_line(job);
  if (event.kind == "snapshot")
    line += std::string(core::to_string(job.state)) + ": " + job.request.type + " " +
            target_text(job.request.target) + " (job " + job.id + ", " +
            schedule_text(job.request) + ")";
  else
    line += core::to_string(job.state);
  if (!event.phase.empty()) line += "  " + event.phase;
  if (const std::string facts = facts_text(event.facts); !facts.empty()) line += "  " + facts;
  return line;
}

json event_json(const core::JobEvent& event) {
  return json{{"at", timestamp_text(event.at)},
              {"kind", event.kind},
              {"phase", event.phase},
              {"facts", event.facts.is_null() ? json::object() : event.facts},
              {"job", core::to_json(event.job)}};
}

std::string live_line(const core::Job& job, const std::string& phase, const json& facts,
                      SystemTime now) {
  std::string line = job.request.type + " " + target_text(job.request.target) + ": " +
                     std::string(core::to_string(job.state));
  if (!phase.empty()) line += ", " + phase;
  line += ", " + format_duration(since(job.created, job.finished.value_or(now)));
  if (const std::string text = facts_text(facts); !text.empty()) line += ", " + text;
  return line;
}

}  // namespace stopd::cli
