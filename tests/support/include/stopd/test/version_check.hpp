// What `--version` of every program of this build must print (stopd/build_info/build_info.hpp),
// checked against this source tree: the program's name, the commit git says the tree is at (when
// git can tell), this SDK's ABI and toolchain tag.
#pragma once

#include <string>

namespace stopd::test {

// "" when `output` is right for `program`, else what is wrong with it.
std::string version_problem(const std::string& output, const std::string& program);

// What `executable --version` writes to stdout.
std::string version_output(const std::string& executable);

}  // namespace stopd::test
