// A private directory under $TMPDIR for the files a fuzz target reads (the config it loads, the
// PEM and secret files that config names, an intent log), removed when the process exits.
#pragma once

#include <filesystem>
#include <string_view>

namespace stopd::fuzz {

class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `bytes` to `name` in the directory, replacing what was there. Aborts if it cannot:
  // a target that cannot set up its input tests nothing.
  std::filesystem::path write(std::string_view name, std::string_view bytes) const;

 private:
  std::filesystem::path path_;
};

}  // namespace stopd::fuzz
