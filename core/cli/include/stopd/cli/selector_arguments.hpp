// `stopctl stop TYPE --selector KEY=VALUE…`: the pairs turned into the provider's selector object,
// by one rule for every provider, driven by its selector schema:
//   labels.KEY=VALUE  → {"labels": {"KEY": "VALUE"}} (explicit label, for a label named like a key)
//   KEY:=JSON         → {"KEY": <JSON>}
//   KEY=VALUE, KEY a property of the selector schema (other than labels)
//                     → {"KEY": VALUE}, typed by the schema (pgid=42 → 42)
//   KEY=VALUE otherwise, when the schema has a labels map → {"labels": {"KEY": "VALUE"}}
// So `--selector app=web` selects containers labelled app=web, `--selector namespace=shop` pods
// of that namespace, and `--selector comm=nginx` local processes named nginx.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace stopd::cli {

// Throws std::invalid_argument naming the argument ("--selector 'foo=1': local.process selects
// by cgroup, pgid, comm") for a pair without '=', a repeated key, a value of the wrong type or a
// key the schema does not know.
nlohmann::json selector_from_arguments(const std::vector<std::string>& pairs,
                                       const nlohmann::json& selector_schema,
                                       const std::string& type);

}  // namespace stopd::cli
