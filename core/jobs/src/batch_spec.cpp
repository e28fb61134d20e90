#include "batch_spec.hpp"

#include <stdexcept>

namespace stopd::core {
namespace {

using nlohmann::json;

json item_json(const BatchItem& item) {
  const sdk::StopRequest& r = item.request;
  json out = {{"id", item.id},
              {"step", item.step},
              {"type", r.type},
              {"target", r.target},
              {"options", r.options.is_null() ? json::object() : r.options},
              {"mode", r.mode == sdk::Mode::immediate ? "immediate" : "graceful"},
              {"grace_ms", r.grace ? json(r.grace->count()) : json(nullptr)},
              {"dry_run", r.dry_run}};
  if (item.deadline) out["deadline_ms"] = item.deadline->count();
  if (item.max_attempts) out["max_attempts"] = *item.max_attempts;
  return out;
}

BatchItem item_from_json(const json& in) {
  BatchItem item;
  item.id = in.at("id").get<std::string>();
  item.step = in.at("step").get<std::size_t>();
  item.request.type = in.at("type").get<std::string>();
  item.request.target = in.at("target");
  item.request.options = in.at("options");
  item.request.mode =
      in.at("mode").get<std::string>() == "immediate" ? sdk::Mode::immediate : sdk::Mode::graceful;
  if (!in.at("grace_ms").is_null())
    item.request.grace = std::chrono::milliseconds(in["grace_ms"].get<std::int64_t>());
  item.request.dry_run = in.at("dry_run").get<bool>();
  if (in.contains("deadline_ms"))
    item.deadline = std::chrono::milliseconds(in["deadline_ms"].get<std::int64_t>());
  if (in.contains("max_attempts")) item.max_attempts = in["max_attempts"].get<unsigned>();
  return item;
}

}  // namespace

json to_json(const BatchSpec& spec) {
  json overrides = {{"fail_fast", spec.overrides.fail_fast}, {"dry_run", spec.overrides.dry_run}};
  if (spec.overrides.parallel) overrides["parallel"] = *spec.overrides.parallel;
  if (spec.overrides.max_failures) overrides["max_failures"] = *spec.overrides.max_failures;
  json items = json::array();
  for (const BatchItem& item : spec.items) items.push_back(item_json(item));
  json out = {{"plan", spec.plan},
              {"source", spec.source},
              {"overrides", std::move(overrides)},
              {"items", std::move(items)}};
  if (spec.hidden > 0) out["hidden"] = spec.hidden;
  return out;
}

BatchSpec batch_spec_from_json(const json& in) {
  try {
    BatchSpec spec;
    spec.plan = in.at("plan");
    spec.source = in.at("source").get<std::string>();
    const json& o = in.at("overrides");
    spec.overrides.fail_fast = o.at("fail_fast").get<bool>();
    spec.overrides.dry_run = o.at("dry_run").get<bool>();
    if (o.contains("parallel")) spec.overrides.parallel = o["parallel"].get<unsigned>();
    if (o.contains("max_failures"))
      spec.overrides.max_failures = o["max_failures"].get<std::string>();
    for (const json& item : in.at("items")) spec.items.push_back(item_from_json(item));
    spec.hidden = in.value("hidden", std::size_t{0});
    return spec;
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("not a batch spec: ") + e.what());
  }
}

}  // namespace stopd::core
