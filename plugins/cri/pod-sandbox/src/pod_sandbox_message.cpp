#include "pod_sandbox_message.hpp"

namespace stopd::cri {
namespace {

using nlohmann::json;

// Kubernetes names are DNS labels (≤ 63 characters), so a real one is never cut.
constexpr std::size_t kMaxName = 63;
constexpr std::size_t kShortId = 12;  // as crictl shows ids
constexpr std::size_t kMaxIp = 45;    // the longest textual IPv6 address

std::string string_at(const json& object, const char* key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "2 running containers", "1 IP".
std::string count_of(std::size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

// The first kNamedPerList entries of `list`, each through `label`, then "and N more".
template <class Label>
std::string named(const json& list, Label label) {
  std::string out;
  std::size_t shown = 0;
  for (const auto& entry : list) {
    if (shown == kNamedPerList) break;
    out += (shown++ > 0 ? ", " : "") + label(entry);
  }
  if (list.size() > shown) out += " and " + std::to_string(list.size() - shown) + " more";
  return out;
}

std::string short_id(const std::string& id) {
  return printable(id.substr(0, kShortId), kShortId);
}

std::string ip_label(const json& ip) {
  return printable(ip.is_string() ? ip.get<std::string>() : std::string(), kMaxIp);
}

const json& list_at(const json& details, const char* key) {
  static const json kEmpty = json::array();
  const auto it = details.find(key);
  return it != details.end() && it->is_array() ? *it : kEmpty;
}

// "; 1 container never started (created only, nothing to stop): idle (9a8b7c6d5e4f)", or "".
std::string never_started_clause(const json& details) {
  const json& members = list_at(details, "never_started_containers");
  if (members.empty()) return {};
  return "; " + count_of(members.size(), "container") +
         " never started (created only, nothing to stop): " + named(members, container_label);
}

}  // namespace

std::string printable(std::string_view text, std::size_t max_chars) {
  std::string out;
  for (const char c : text.substr(0, max_chars)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > max_chars) out += "…";
  return out;
}

std::string sandbox_label(const json& facts) {
  const std::string id = printable(string_at(facts, "pod_sandbox_id"), 64);
  const std::string name = string_at(facts, "name");
  const std::string ns = string_at(facts, "namespace");
  if (name.empty()) return id;
  return (ns.empty() ? "" : printable(ns, kMaxName) + "/") + printable(name, kMaxName) + " (" + id +
         ")";
}

std::string container_label(const json& member) {
  const std::string id = short_id(string_at(member, "container_id"));
  const std::string name = string_at(member, "name");
  return name.empty() ? id : printable(name, kMaxName) + " (" + id + ")";
}

std::string stopped_message(const std::string& sandbox, const json& details) {
  const json& stopped = list_at(details, "stopped_containers");
  const json& ips = list_at(details, "released_ips");
  return "pod sandbox " + sandbox + " stopped; " +
         (stopped.empty() ? std::string("no container was running")
                          : count_of(stopped.size(), "running container") +
                                " stopped: " + named(stopped, container_label)) +
         "; " +
         (ips.empty() ? std::string("no IP released")
                      : count_of(ips.size(), "IP") + " released: " + named(ips, ip_label)) +
         never_started_clause(details);
}

std::string already_stopped_message(const std::string& sandbox, const json& details) {
  return "pod sandbox " + sandbox + " was not ready and nothing in it ran" +
         never_started_clause(details);
}

std::string still_running_message(const std::string& requested_id, const json& details) {
  const json& running = list_at(details, "running_containers");
  return "StopPodSandbox " + requested_id + " returned, but " + std::to_string(running.size()) +
         " of its containers still run: " + named(running, [](const json& id) {
           return short_id(id.is_string() ? id.get<std::string>() : std::string());
         });
}

}  // namespace stopd::cri
