// YAML text as a JSON value, built from yaml-cpp's parse events rather than its node tree, so the
// limits hold while it is read: nesting (limits::kMaxNesting), aliases (kMaxYamlAliases) and the
// values they expand to (kMaxDocumentValues) are refused before they are built. A YAML::Node tree
// would expand a "billion laughs" plan of a few hundred bytes without bound once converted.
// Plain scalars are typed as YAML 1.2's core schema types them; quoted ones are strings.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace stopd::core::batch {

// The first document of `text`. Throws DocumentTextError (stopd/core/bounded_json.hpp) with the
// position and the reason, for syntax errors and limits alike.
nlohmann::json parse_bounded_yaml(std::string_view text);

}  // namespace stopd::core::batch
