#include "storage/audit_file.hpp"

#include "core/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace telclaude::storage {

namespace {

user_error open_error(const std::filesystem::path& file,
                      const std::string& reason) {
  return user_error("audit.open",
                    file.string() + ": cannot open the audit log for "
                                    "appending ("
                      + reason
                      + "); fix the directory's permissions or set "
                        "security.audit.logFile");
}

/// Makes `dir` and whichever of its ancestors are missing, each mode 0700.
void make_private_dir(const std::filesystem::path& dir,
                      const std::filesystem::path& file) {
  if (dir.empty() || ::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST)
    return;
  if (errno != ENOENT || dir == dir.parent_path())
    throw open_error(file, "cannot create directory " + dir.string() + ": "
                             + std::strerror(errno));
  make_private_dir(dir.parent_path(), file);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw open_error(file, "cannot create directory " + dir.string() + ": "
                             + std::strerror(errno));
}

[[noreturn]] void append_failed(const std::filesystem::path& file,
                                const char* action) {
  throw std::system_error(errno, std::generic_category(),
                          file.string() + ": audit record " + action
                            + " failed");
}

} // namespace

audit_file::audit_file(std::filesystem::path file) : file_(std::move(file)) {
  make_private_dir(file_.parent_path(), file_);
  fd_ = ::open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
               0600);
  if (fd_ < 0)
    throw open_error(file_, std::strerror(errno));
}

audit_file::~audit_file() {
  ::close(fd_);
}

void audit_file::append(const audit_record& record) {
  write(record);
  sync();
}

void audit_file::write(const audit_record& record) {
  auto line = to_json_line(record);
  line += '\n';
  std::lock_guard lock{write_};
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    auto n = ::write(fd_, data, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      append_failed(file_, "write");
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

void audit_file::sync() {
  while (::fdatasync(fd_) != 0)
    if (errno != EINTR)
      append_failed(file_, "sync");
}

} // namespace telclaude::storage
