#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace telclaude::testing {

/// A fresh directory under the system temp dir, removed with everything in
/// it at the end of the test.
class temp_dir {
public:
  temp_dir() {
    std::string pattern
      = (std::filesystem::temp_directory_path() / "telclaude-test-XXXXXX")
          .string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const {
    return path_;
  }

private:
  std::filesystem::path path_;
};

/// A file's whole contents.
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// An environment variable CTest sets for every test (cmake/testing.cmake).
inline std::string test_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr)
    throw std::runtime_error(std::string{name} + " is not set");
  return value;
}

} // namespace telclaude::testing
