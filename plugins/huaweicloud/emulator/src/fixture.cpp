#include "fixture.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace stopd::hwemu {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw std::runtime_error(where + ": " + message);
}

std::string text(const json& object, const char* name, const std::string& where,
                 const char* fallback = nullptr) {
  const auto it = object.find(name);
  if (it == object.end()) {
    if (fallback != nullptr) return fallback;
    fail(where + "." + name, "is required");
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty())
    fail(where + "." + name, "expected a non-empty string");
  return it->get<std::string>();
}

std::chrono::milliseconds duration(const json& object, const char* name, const std::string& where) {
  const auto it = object.find(name);
  if (it == object.end()) return std::chrono::milliseconds(0);
  if (!it->is_number_integer() || it->get<long long>() < 0)
    fail(where + "." + name, "expected milliseconds (an integer >= 0)");
  return std::chrono::milliseconds(it->get<long long>());
}

const json& list(const json& document, const char* section, const char* name) {
  static const json kEmpty = json::array();
  const auto outer = document.find(section);
  if (outer == document.end()) return kEmpty;
  const auto inner = outer->find(name);
  if (inner == outer->end()) return kEmpty;
  if (!inner->is_array()) fail(std::string(section) + "." + name, "expected an array");
  return *inner;
}

}  // namespace

Fixture parse_fixture(const json& document) {
  if (!document.is_object()) fail("fixture", "expected a JSON object");
  Fixture fixture;
  std::size_t i = 0;
  for (const auto& entry : list(document, "credentials", "tokens")) {
    const std::string where = "credentials.tokens[" + std::to_string(i++) + "]";
    fixture.tokens.push_back({text(entry, "token", where), text(entry, "project_id", where),
                              entry.value("read_only", false)});
  }
  i = 0;
  for (const auto& entry : list(document, "credentials", "access_keys")) {
    const std::string where = "credentials.access_keys[" + std::to_string(i++) + "]";
    fixture.access_keys.push_back(
        {text(entry, "access_key", where), text(entry, "secret_key", where),
         text(entry, "project_id", where), entry.value("read_only", false)});
  }
  if (const auto cdm = document.find("cdm");
      cdm != document.end() && cdm->contains("delay_second_ms")) {
    fixture.cdm_delay_second = duration(*cdm, "delay_second_ms", "cdm");
    if (fixture.cdm_delay_second.count() == 0)
      fail("cdm.delay_second_ms", "expected milliseconds > 0");
  }
  i = 0;
  for (const auto& entry : list(document, "cdm", "clusters")) {
    const std::string where = "cdm.clusters[" + std::to_string(i++) + "]";
    ClusterSpec cluster{text(entry, "project_id", where),
                        text(entry, "cluster_id", where),
                        text(entry, "name", where, "cluster"),
                        entry.value("status", 200),
                        {}};
    std::size_t j = 0;
    for (const auto& job : entry.value("jobs", json::array())) {
      const std::string job_where = where + ".jobs[" + std::to_string(j++) + "]";
      cluster.jobs.push_back(
          {text(job, "name", job_where, "job"), duration(job, "duration_ms", job_where)});
    }
    fixture.clusters.push_back(std::move(cluster));
  }
  i = 0;
  for (const auto& entry : list(document, "dlf", "script_instances")) {
    const std::string where = "dlf.script_instances[" + std::to_string(i++) + "]";
    fixture.script_instances.push_back(
        {text(entry, "project_id", where), text(entry, "script_name", where),
         text(entry, "instance_id", where), text(entry, "workspace", where, "default"),
         text(entry, "status", where, "RUNNING"), duration(entry, "stop_delay_ms", where)});
  }
  i = 0;
  for (const auto& entry : list(document, "functiongraph", "executions")) {
    const std::string where = "functiongraph.executions[" + std::to_string(i++) + "]";
    fixture.executions.push_back({text(entry, "project_id", where), text(entry, "graph_urn", where),
                                  text(entry, "execution_urn", where),
                                  text(entry, "status", where, "RUNNING")});
  }
  return fixture;
}

Fixture load_fixture(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot read the fixture file");
  std::stringstream content;
  content << in.rdbuf();
  try {
    return parse_fixture(json::parse(content.str()));
  } catch (const json::exception& e) {
    throw std::runtime_error(file.string() + ": not JSON: " + e.what());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(file.string() + ": " + e.what());
  }
}

}  // namespace stopd::hwemu
