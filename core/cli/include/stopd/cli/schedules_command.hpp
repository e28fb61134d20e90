// `stopctl schedules next --cron EXPR [--tz ZONE] [--count N]`: when a schedule would fire, in its
// zone and in this machine's local time. Needs no daemon: it checks a calendar before it is put in
// a schedule (cron fields, zone, daylight saving time).
#pragma once

#include "stopd/cli/console.hpp"
#include "stopd/cli/options.hpp"

namespace stopd::cli {

// Returns the exit code. Throws CliError(usage) for a bad expression, zone or count.
int run_schedules_next(const SchedulesNextArguments& args, Console& console);

}  // namespace stopd::cli
