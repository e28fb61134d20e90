#include "stopd/batch/batch_report.hpp"

#include <map>
#include <stdexcept>

#include "stopd/core/bounded_json.hpp"
#include "stopd/core/time_format.hpp"

namespace stopd::core {
namespace {

using nlohmann::json;

json time_or_null(const std::optional<std::chrono::system_clock::time_point>& at) {
  return at ? json(rfc3339_utc(*at)) : json(nullptr);
}

// Parses what rfc3339_utc() writes ("2026-11-22T05:21:52.280Z").
std::optional<std::chrono::system_clock::time_point> parse_time(const json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string text = value.get<std::string>();
  std::tm tm{};
  int millis = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis) < 6)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(millis);
}

BatchItemRecord record_from_json(const json& line) {
  BatchItemRecord record;
  record.item = line.at("item").get<std::string>();
  record.step = line.at("step").get<std::string>();
  record.type = line.at("type").get<std::string>();
  record.target = line.at("target");
  const std::string code = line.at("code").get<std::string>();
  if (code != "skipped") {
    record.code = sdk::code_from_string(code);
    if (!record.code) throw std::invalid_argument("unknown code '" + code + "'");
  }
  record.message = line.value("message", "");
  record.forced = line.value("forced", false);
  record.details = line.value("details", json::object());
  record.started = parse_time(line.value("started", json()));
  record.finished = parse_time(line.value("finished", json()));
  record.attempts = line.value("attempts", 0u);
  record.dry_run = line.value("dry_run", false);
  record.skipped = line.value("skipped", "");
  record.same_as = line.value("same_as", "");
  return record;
}

}  // namespace

json batch_record_json(const BatchItemRecord& record) {
  json line = {{"step", record.step},
               {"item", record.item},
               {"type", record.type},
               {"target", record.target},
               {"code", record.code ? std::string(sdk::to_string(*record.code)) : "skipped"},
               {"message", record.code ? record.message : record.skipped},
               {"forced", record.forced},
               {"details", record.details},
               {"started", time_or_null(record.started)},
               {"finished", time_or_null(record.finished)},
               {"attempts", record.attempts},
               {"dry_run", record.dry_run}};
  if (!record.skipped.empty()) line["skipped"] = record.skipped;
  if (!record.same_as.empty()) line["same_as"] = record.same_as;
  if (record.carried) line["carried"] = true;
  return line;
}

json batch_summary_json(const BatchSummary& summary) {
  const auto& c = summary.counts;
  return {{"summary",
           {{"total", c.total},
            {"succeeded", c.succeeded},
            {"failed", c.failed},
            {"skipped", c.skipped},
            {"halted", summary.halted},
            {"halt_reason", summary.halt_reason},
            {"cancelled", summary.cancelled},
            {"dry_run", summary.dry_run},
            {"started", rfc3339_utc(summary.started)},
            {"finished", rfc3339_utc(summary.finished)},
            {"duration_ms", std::chrono::duration_cast<std::chrono::milliseconds>(summary.finished -
                                                                                  summary.started)
                                .count()}}}};
}

std::vector<BatchItemRecord> read_batch_report(std::istream& in, const std::string& source) {
  std::vector<BatchItemRecord> records;
  std::map<std::string, std::size_t> index;  // item id → position in `records`
  std::string text;
  std::size_t number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      const json line = parse_bounded_json(text);
      if (line.is_object() && line.contains("summary")) continue;
      BatchItemRecord record = record_from_json(line);
      if (auto it = index.find(record.item); it != index.end()) {
        records[it->second] = std::move(record);  // the last record of an item counts
      } else {
        index.emplace(record.item, records.size());
        records.push_back(std::move(record));
      }
    } catch (const std::exception& e) {
      throw std::invalid_argument(source + ":" + std::to_string(number) +
                                  ": not a batch report line (" + e.what() + ")");
    }
  }
  return records;
}

}  // namespace stopd::core
