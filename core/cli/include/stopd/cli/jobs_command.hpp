// `stopctl jobs list|show|watch|cancel`: the daemon's jobs. Each needs the daemon (not --local,
// which keeps no jobs).
#pragma once

#include "stopd/cli/console.hpp"
#include "stopd/cli/options.hpp"

namespace stopd::cli {

// The most jobs `jobs list` fetches (--limit), and its default.
inline constexpr std::size_t kMaxListLimit = 100'000;
inline constexpr std::size_t kDefaultListLimit = 100;

// Exit 0 when listed.
int run_jobs_list(const GlobalOptions& global, const JobsListArguments& args, Console& console);
// Exit 0 when shown (whatever the job's outcome); 10 for an unknown id.
int run_jobs_show(const GlobalOptions& global, const JobArguments& args, Console& console);
// Exit with the job's outcome's code once it finished; 17 when Ctrl-C stopped the watching
// (jobs_watch.cpp).
int run_jobs_watch(const GlobalOptions& global, const JobArguments& args, Console& console);
// Exit 0 when the job is withdrawn (or had finished already: the message says so).
int run_jobs_cancel(const GlobalOptions& global, const JobArguments& args, Console& console);

}  // namespace stopd::cli
