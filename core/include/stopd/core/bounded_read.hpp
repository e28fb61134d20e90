// Whole files read with a bound: a file larger than the limit, /dev/zero or a pipe that never
// ends is refused once one byte more than the limit has arrived, never read to its end.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace stopd::core {

// "<name>: cannot read it: <why>" or "<name>: larger than 16 MiB (the limit)".
class FileReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads `file` whole, at most `limit` bytes. Throws FileReadError.
std::string read_file_bounded(const std::filesystem::path& file, std::size_t limit);

// The same for an open descriptor (stdin), called `name` in messages; the descriptor stays open.
std::string read_fd_bounded(int fd, std::string_view name, std::size_t limit);

// "16 MiB", "512 KiB", "1000 bytes": a limit as people write it.
std::string byte_size_text(std::size_t bytes);

}  // namespace stopd::core
