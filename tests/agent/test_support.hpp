#pragma once

#include <cstdio>
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

/// The pinned claude: $TELCLAUDE_CLAUDE_BIN, else what
/// scripts/install-claude-cli installs (and prints).
inline std::string claude_binary() {
  if (const char* bin = std::getenv("TELCLAUDE_CLAUDE_BIN"); bin && *bin)
    return bin;
  std::string script = test_env("TELCLAUDE_SOURCE_DIR")
                       + "/scripts/install-claude-cli";
  std::string out;
  if (FILE* pipe = ::popen(script.c_str(), "r")) {
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe))
      out += buffer;
    ::pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  auto newline = out.rfind('\n');
  return newline == std::string::npos ? out : out.substr(newline + 1);
}

} // namespace telclaude::testing
