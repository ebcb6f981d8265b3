#pragma once

#include "storage/audit_log.hpp"

#include <filesystem>
#include <mutex>

namespace telclaude::storage {

/// The JSONL side of the audit trail (`security.audit.logFile`): one
/// to_json_line() per line, appended and synced. Lines stay whole when
/// several threads of one process, or several processes (the relay and
/// the CLI), append to the same file: each line is one write() to a file
/// opened with O_APPEND. Not movable: it owns the descriptor and a lock.
class audit_file {
public:
  /// Opens `file` for appending (O_APPEND | O_CREAT | O_CLOEXEC), creating
  /// it with mode 0600 and any missing parent directory with mode 0700: the
  /// trail names users and quotes their requests. Throws
  /// telclaude::user_error audit.open naming the file and the system's
  /// reason.
  explicit audit_file(std::filesystem::path file);

  audit_file(const audit_file&) = delete;
  audit_file& operator=(const audit_file&) = delete;
  ~audit_file();

  /// Appends `record` as one line and waits until it is on disk
  /// (fdatasync). Throws std::system_error (errno, naming the file) when
  /// the write or the sync fails: the record may then be missing or, on a
  /// full disk, cut short.
  void append(const audit_record& record);

  /// Appends `record` as one line without waiting for the disk: a group
  /// of records is written, then made durable with one sync(). Throws as
  /// append() does.
  void write(const audit_record& record);

  /// Waits until every line written so far is on disk (fdatasync).
  void sync();

  /// The file this object appends to.
  const std::filesystem::path& path() const noexcept {
    return file_;
  }

private:
  std::filesystem::path file_;
  int fd_ = -1;
  std::mutex write_;  // a retried short write must not interleave
};

} // namespace telclaude::storage
