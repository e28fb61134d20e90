// `stopctl schedules next (NAME | --cron EXPR [--tz ZONE]) [--count N]`: when a schedule would
// fire, in its zone and in this machine's local time. With --cron it needs no daemon: it checks a
// calendar before it is put in a schedule (cron fields, zone, daylight saving time).
#pragma once

#include <string>

#include "stopd/cli/console.hpp"
#include "stopd/cli/options.hpp"

namespace stopd::cli {

// Returns the exit code. Throws CliError(usage) for a bad expression, zone or count. With a
// NAME, reads that schedule's calendar from the daemon first.
int run_schedules_next(const GlobalOptions& global, const SchedulesNextArguments& args,
                       Console& console);

// `stopctl schedules list|show|create|update|delete|pause|resume|run-now`: the daemon's schedules
// (ScheduleService). Schedules live in the daemon only, so these talk to DaemonClient directly
// rather than through the Backend, which --local also implements and which would have nothing
// to do for them. Throws the CliError of a failed call.
int run_schedules(const std::string& action, const GlobalOptions& global,
                  const SchedulesArguments& args, Console& console);

}  // namespace stopd::cli
