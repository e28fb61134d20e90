#include "scratch_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <string>

#include "fuzz_check.hpp"

namespace stopd::fuzz {

namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/stopd-fuzz.XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) fail("cannot create a scratch directory", pattern);
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path ScratchDir::write(std::string_view name, std::string_view bytes) const {
  const fs::path file = path_ / name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) fail("cannot write a scratch file", file.native());
  return file;
}

}  // namespace stopd::fuzz
