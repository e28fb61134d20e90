// The bounds on what stopd reads from callers and files, in one place (README, "Limits").
// Each exists because some step would otherwise grow with the input without end: nlohmann's
// dump(), copies and comparisons, valijson and the protobuf conversions recurse once per
// nesting level; YAML aliases multiply a small text into a huge document; a read of /dev/zero or
// a pipe never ends. Every refusal names the limit it hit.
#pragma once

#include <cstddef>

namespace stopd::core::limits {

// Arrays and objects inside one another, the outermost counted: `{"a": [1]}` is 2 deep. A plan
// needs 5 (plan, steps, step, targets, target) and leaves the rest to targets and options. 32
// also keeps every accepted value within protobuf's limit of 100 nested messages once it is a
// google.protobuf.Struct (three messages per object level).
inline constexpr int kMaxNesting = 32;

// Values (objects, arrays and scalars alike) in one parsed plan or config, YAML aliases
// expanded: about 100 bytes of memory each, so at most ~100 MiB for one document.
inline constexpr std::size_t kMaxDocumentValues = 1'000'000;

// YAML aliases (`*name`) in one document; each may expand to no more values than the document
// as a whole may hold.
inline constexpr std::size_t kMaxYamlAliases = 10'000;

// Files stopctl and stopd read whole. A plan through the daemon has its own, smaller limit
// (api/batch_service.cpp): it travels in one gRPC message.
inline constexpr std::size_t kMaxPlanFileBytes = 16u << 20;
inline constexpr std::size_t kMaxConfigFileBytes = 4u << 20;
inline constexpr std::size_t kMaxReportFileBytes = 256u << 20;
inline constexpr std::size_t kMaxReportLineBytes = 1u << 20;

// How much of a caller's value an error message quotes.
inline constexpr std::size_t kMaxQuotedBytes = 60;

// A message stopd stores or sends: a gRPC status (its trailers must fit a client's 8 KiB
// metadata limit, or the client sees RESOURCE_EXHAUSTED instead), an outcome's message.
inline constexpr std::size_t kMaxMessageBytes = 4096;

}  // namespace stopd::core::limits
