// The main of a fuzz target outside the libFuzzer build (GCC has no libFuzzer): runs every file
// it is given, and every file in every directory it is given, through LLVMFuzzerTestOneInput
// once. ctest runs each target over its seed corpus and its regressions this way, so every build
// (and the ASan build) replays them.
//
//   fuzz_<target> DIR|FILE...
#include <sys/resource.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Optional, as with libFuzzer: a target that needs one-time setup defines it.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

// An input that makes the code allocate without bound must fail its test, not take the machine
// down with it (libFuzzer's -rss_limit_mb does this in the fuzz build): under ASan a hard limit
// on resident memory, otherwise a limit on the address space.
#if defined(__SANITIZE_ADDRESS__)
#define STOPD_REPLAY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STOPD_REPLAY_ASAN 1
#endif
#endif

#ifdef STOPD_REPLAY_ASAN
extern "C" const char* __asan_default_options() {
  return "hard_rss_limit_mb=1024";
}
#endif

namespace {

void limit_memory() {
#ifndef STOPD_REPLAY_ASAN
  constexpr rlim_t kMaxAddressSpace = rlim_t{2} << 30;
  const rlimit limit{kMaxAddressSpace, kMaxAddressSpace};
  if (::setrlimit(RLIMIT_AS, &limit) != 0) std::perror("replay: setrlimit(RLIMIT_AS)");
#endif
}

namespace fs = std::filesystem;

bool inputs_of(const fs::path& path, std::vector<fs::path>& inputs) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    inputs.push_back(path);
    return true;
  }
  if (!fs::is_directory(path, ec)) {
    std::fprintf(stderr, "replay: %s is neither a file nor a directory\n", path.c_str());
    return false;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(path, ec))
    if (entry.is_regular_file()) files.push_back(entry.path());
  if (ec) {
    std::fprintf(stderr, "replay: cannot list %s: %s\n", path.c_str(), ec.message().c_str());
    return false;
  }
  std::sort(files.begin(), files.end());
  inputs.insert(inputs.end(), files.begin(), files.end());
  return true;
}

// Exactly the file's bytes in an allocation of exactly that size, so that ASan sees a read past
// the end of the input as it would under libFuzzer.
bool run(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
    return false;
  }
  const auto copy = std::make_unique<std::uint8_t[]>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), copy.get());
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
  LLVMFuzzerTestOneInput(copy.get(), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i)
    if (!inputs_of(argv[i], inputs)) return 2;
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs found: an empty corpus tests nothing\n");
    return 2;
  }
  limit_memory();
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  for (const auto& file : inputs)
    if (!run(file)) return 1;
  std::fprintf(stderr, "replay: %zu inputs ran\n", inputs.size());
  return 0;
}
