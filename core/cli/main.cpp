// stopctl: everything it does is in the stopd_cli library (core/cli/src) and the core.
#include <iostream>

#include "stopd/cli/app.hpp"

int main(int argc, char** argv) {
  return stopd::cli::run(argc, argv, std::cout, std::cerr);
}
