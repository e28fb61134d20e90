// The request a flight keeps while its stop runs, with `target` and `options` as compact JSON text
// instead of nlohmann::json trees. A tree costs an allocation per object and per member (about
// 220 bytes for {"pid": 4242} and empty options); the text of a small target fits a string's
// inline buffer. It is expanded back into an sdk::StopRequest, briefly, where one is needed: for
// an attempt that does not start at submit (queued, retried) and for each event the observers
// hear of after submit. A stop that starts at once hands the provider the caller's request.
//
// Both texts were dumped when the dispatcher validated the request (its size limits, the
// single-flight key), so dumping here never throws, and parsing them back gives the same values.
// The type is not kept either: it is the name of the provider the flight runs on.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "stopd/sdk/request.hpp"

namespace stopd::core {

struct StoredRequest {
  std::string target;   // compact JSON (nlohmann's dump(), keys sorted)
  std::string options;  // compact JSON
  sdk::Mode mode = sdk::Mode::graceful;
  std::optional<std::chrono::milliseconds> grace;
  bool dry_run = false;

  // `target_text` is request.target.dump(), already made by the caller.
  static StoredRequest from(const sdk::StopRequest& request, std::string target_text) {
    StoredRequest stored;
    stored.target = std::move(target_text);
    // Most requests have no options; skip the serializer for them.
    stored.options = request.options.empty() ? "{}" : request.options.dump();
    stored.mode = request.mode;
    stored.grace = request.grace;
    stored.dry_run = request.dry_run;
    // Exactly sized: the texts stay for as long as the stop runs.
    stored.target.shrink_to_fit();
    stored.options.shrink_to_fit();
    return stored;
  }

  sdk::StopRequest expand(const std::string& type) const {
    sdk::StopRequest request;
    request.type = type;
    request.target = nlohmann::json::parse(target);
    request.options = options == "{}" ? nlohmann::json::object() : nlohmann::json::parse(options);
    request.mode = mode;
    request.grace = grace;
    request.dry_run = dry_run;
    return request;
  }
};

}  // namespace stopd::core
