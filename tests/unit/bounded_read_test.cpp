// Whole-file reads stop at their limit, whatever the file: a regular file, /dev/zero, a pipe
// whose writer never stops.
#include "stopd/core/bounded_read.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

namespace stopd::core {
namespace {

namespace fs = std::filesystem;

std::string refusal_of(const fs::path& file, std::size_t limit) {
  try {
    read_file_bounded(file, limit);
  } catch (const FileReadError& e) {
    return e.what();
  }
  return "";
}

TEST(BoundedRead, AFileWithinTheLimitIsReadWhole) {
  const fs::path file = fs::temp_directory_path() / ("stopd-read-" + std::to_string(::getpid()));
  std::ofstream(file) << std::string(10'000, 'x');
  EXPECT_EQ(read_file_bounded(file, 10'000).size(), 10'000u);
  EXPECT_NE(refusal_of(file, 9'999).find("larger than 9999 bytes"), std::string::npos);
  fs::remove(file);
}

TEST(BoundedRead, DevZeroStopsAtTheLimit) {
  const std::string why = refusal_of("/dev/zero", 1u << 20);
  EXPECT_NE(why.find("/dev/zero: larger than 1 MiB (the limit)"), std::string::npos) << why;
}

TEST(BoundedRead, APipeThatNeverEndsStopsAtTheLimit) {
  ::signal(SIGPIPE, SIG_IGN);  // the writer sees EPIPE once the reader is closed
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    const std::string chunk(4096, 'y');
    while (!stop.load() && ::write(fds[1], chunk.data(), chunk.size()) > 0) {
    }
  });
  try {
    read_fd_bounded(fds[0], "<stdin>", 64 * 1024);
    ADD_FAILURE() << "read a never-ending pipe to its end";
  } catch (const FileReadError& e) {
    EXPECT_NE(std::string(e.what()).find("<stdin>: larger than 64 KiB"), std::string::npos);
  }
  stop.store(true);
  ::close(fds[0]);  // the writer's next write fails with EPIPE
  writer.join();
  ::close(fds[1]);
}

TEST(BoundedRead, UnreadableFilesSayWhy) {
  EXPECT_NE(refusal_of("/no/such/file", 100).find("/no/such/file: cannot read it: No such file"),
            std::string::npos);
  EXPECT_NE(refusal_of("/", 100).find("cannot read it: Is a directory"), std::string::npos);
}

}  // namespace
}  // namespace stopd::core
