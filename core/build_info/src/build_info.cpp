#include "stopd/build_info/build_info.hpp"

#include "stopd/sdk/version.hpp"

namespace stopd {

std::string version_text(std::string_view program) {
  std::string text(program);
  text += " " STOPD_VERSION "\ncommit ";
  text += build_commit();
  text += "\nsdk abi " + std::to_string(sdk::kAbiMajor) + "." + std::to_string(sdk::kAbiMinor);
  text += "\ntoolchain " STOPD_SDK_TOOLCHAIN_TAG " (" STOPD_SDK_COMPILER ")\n";
  return text;
}

}  // namespace stopd
