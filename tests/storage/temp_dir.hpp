#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace telclaude::storage::test {

/// A fresh directory under the system temp dir, removed afterwards.
class temp_dir {
public:
  temp_dir() {
    std::string templ =
      (std::filesystem::temp_directory_path() / "telclaude-storage-XXXXXX")
        .string();
    path_ = ::mkdtemp(templ.data());
  }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::filesystem::path& path() const noexcept {
    return path_;
  }

  /// `name` inside the directory.
  std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

private:
  std::filesystem::path path_;
};

} // namespace telclaude::storage::test
