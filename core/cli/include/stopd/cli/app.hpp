// stopctl's entry point: parses the command line, runs the command, returns the exit code.
// main() only forwards to it, so tests can run stopctl in-process with their own streams.
#pragma once

#include <ostream>

namespace stopd::cli {

// Never throws: every failure becomes a message (human on `err`, or a JSON object on `out` with
// -o json) and the documented exit code.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace stopd::cli
