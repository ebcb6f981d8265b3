#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::sandbox {

/// Whether a file at `relative` (a path inside the workdir, '/'
/// separated) has a sensitive shape: `id_rsa*`, `*.pem`, `*.key`,
/// `.env*`, `.npmrc`, `.pypirc`, `.netrc`, anything under `.git/hooks/`,
/// or a match of one of `deny_write` (globs with a '/' match the whole
/// relative path, others the file name).
bool is_sensitive(std::string_view relative,
                  const std::vector<std::string>& deny_write);

/// Names kept from being created at the workdir's root: a read-only
/// empty placeholder is mounted where none exists.
const std::vector<std::string>& placeholder_names();

/// Limits of the walk over the workdir.
inline constexpr int guard_max_depth = 8;
inline constexpr std::size_t guard_max_entries = 20000;

/// Keeps sensitive file shapes read-only in a writable workdir for one
/// run: existing matches (found by a bounded walk that never follows or
/// mounts a symlink) and `.git/hooks` become read-only overlays, and an
/// empty read-only placeholder is created (and removed again after the
/// run) for each absent name of placeholder_names(), so the agent cannot
/// create it. What it cannot prevent (a new `.env` in a subdirectory)
/// `finish()` reports.
class write_guard {
public:
  write_guard(std::string workdir, std::vector<std::string> deny_write);
  ~write_guard();
  write_guard(const write_guard&) = delete;
  write_guard& operator=(const write_guard&) = delete;

  /// The absolute paths to mount read-only over the workdir.
  const std::vector<std::string>& overlays() const noexcept {
    return overlays_;
  }

  /// Whether the walk stopped at its limits (some files not guarded).
  bool truncated() const noexcept {
    return truncated_;
  }

  /// After the run: removes this run's placeholders (when no other run
  /// still uses them) and returns the sensitive-shaped files (relative)
  /// that did not exist before. Idempotent.
  std::vector<std::string> finish();

private:
  std::vector<std::string> scan();

  std::string workdir_;
  std::vector<std::string> deny_write_;
  std::vector<std::string> before_;  // sensitive files before the run
  std::vector<std::string> overlays_;
  std::vector<std::string> placeholders_;  // ours, to release
  bool truncated_ = false;
  bool finished_ = false;
};

} // namespace telclaude::sandbox
