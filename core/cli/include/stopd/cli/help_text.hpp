// The longer texts of `stopctl --help`: examples and the exit-code table scripts rely on.
#pragma once

#include <string>

namespace stopd::cli {

// The exit-code table, generated from core/exit_codes.hpp so it cannot drift from what stopctl
// actually returns.
std::string exit_code_table();

std::string main_footer();
// Which global options may follow a subcommand.
std::string global_options_note();
std::string stop_description();
std::string stop_footer();
std::string jobs_footer();
std::string jobs_list_footer();
std::string jobs_show_footer();
std::string jobs_watch_footer();
std::string jobs_cancel_footer();
std::string plugins_footer();
std::string plugins_list_footer();
std::string plugins_describe_footer();
std::string plugins_validate_footer();
std::string batch_description();
std::string batch_footer();

}  // namespace stopd::cli
