#include "sandbox/write_guard.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>

namespace telclaude::sandbox {

namespace fs = std::filesystem;

namespace {

bool glob(const char* pattern, const std::string& text, int flags = 0) {
  return ::fnmatch(pattern, text.c_str(), flags) == 0;
}

/// Placeholders shared by concurrent runs on one workdir: removed when
/// the last run using one ends.
std::mutex placeholder_mutex;
std::map<std::string, int> placeholder_users;

} // namespace

bool is_sensitive(std::string_view relative,
                  const std::vector<std::string>& deny_write) {
  std::string path{relative};
  auto slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  for (const char* p : {"id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*",
                        "*.pem", "*.key", ".env*", ".npmrc", ".pypirc",
                        ".netrc"})
    if (glob(p, name))
      return true;
  if (path.starts_with(".git/hooks/") || path == ".git/hooks"
      || path.find("/.git/hooks/") != std::string::npos)
    return true;
  for (const auto& g : deny_write) {
    bool whole = g.find('/') != std::string::npos;
    if (whole ? glob(g.c_str(), path, FNM_PATHNAME) : glob(g.c_str(), name))
      return true;
  }
  return false;
}

const std::vector<std::string>& placeholder_names() {
  static const std::vector<std::string> names{
    ".env", ".env.local", ".env.production", ".npmrc", ".pypirc", ".netrc",
    "id_rsa", "id_ed25519", "id_ecdsa"};
  return names;
}

std::vector<std::string> write_guard::scan() {
  std::vector<std::string> found;
  std::error_code ec;
  fs::recursive_directory_iterator it{
    workdir_, fs::directory_options::skip_permission_denied, ec};
  std::size_t seen = 0;
  for (; !ec && it != fs::recursive_directory_iterator{}; it.increment(ec)) {
    if (++seen > guard_max_entries) {
      truncated_ = true;
      break;
    }
    auto rel = it->path().lexically_relative(workdir_).generic_string();
    std::error_code sec;
    auto st = it->symlink_status(sec);
    bool dir = fs::is_directory(st);
    if (fs::is_symlink(st) || sec)
      continue;  // never mounted, never followed (the iterator does not)
    if (dir && (rel == ".git/hooks" || rel.ends_with("/.git/hooks"))) {
      found.push_back(rel);
      it.disable_recursion_pending();
      continue;
    }
    if (dir && (it.depth() + 1 >= guard_max_depth
                || rel == ".git/objects" || rel.ends_with("/.git/objects"))) {
      it.disable_recursion_pending();
      if (it.depth() + 1 >= guard_max_depth)
        truncated_ = true;
    }
    if (is_sensitive(rel, deny_write_))
      found.push_back(rel);
  }
  std::sort(found.begin(), found.end());
  return found;
}

write_guard::write_guard(std::string workdir,
                         std::vector<std::string> deny_write)
  : workdir_(std::move(workdir)), deny_write_(std::move(deny_write)) {
  // A fresh .git keeps its hooks read-only even when it has none yet.
  std::error_code ec;
  auto git = fs::path{workdir_} / ".git";
  if (fs::is_directory(fs::symlink_status(git, ec))
      && !fs::exists(fs::symlink_status(git / "hooks", ec)))
    fs::create_directory(git / "hooks", ec);
  {
    std::lock_guard lock{placeholder_mutex};
    for (const auto& name : placeholder_names()) {
      auto path = (fs::path{workdir_} / name).string();
      auto users = placeholder_users.find(path);
      if (users != placeholder_users.end()) {
        ++users->second;
        placeholders_.push_back(path);
        continue;
      }
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC
                                      | O_NOFOLLOW, 0444);
      if (fd < 0)
        continue;  // exists (guarded by the scan) or cannot be made
      ::close(fd);
      placeholder_users[path] = 1;
      placeholders_.push_back(path);
    }
  }
  before_ = scan();
  for (const auto& rel : before_)
    overlays_.push_back((fs::path{workdir_} / rel).string());
  // The placeholders are in before_ (they are sensitive names), so the
  // files found after the run are compared against them too.
}

std::vector<std::string> write_guard::finish() {
  if (finished_)
    return {};
  finished_ = true;
  {
    std::lock_guard lock{placeholder_mutex};
    for (const auto& path : placeholders_) {
      auto users = placeholder_users.find(path);
      if (users == placeholder_users.end() || --users->second > 0)
        continue;
      placeholder_users.erase(users);
      struct stat st {};
      if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)
          && st.st_size == 0)
        ::unlink(path.c_str());
    }
  }
  auto after = scan();
  std::vector<std::string> appeared;
  std::set_difference(after.begin(), after.end(), before_.begin(),
                      before_.end(), std::back_inserter(appeared));
  // A placeholder just removed is not "new"; one the run replaced is.
  appeared.erase(std::remove_if(appeared.begin(), appeared.end(),
                                [this](const std::string& rel) {
                                  std::error_code ec;
                                  return !fs::exists(fs::symlink_status(
                                    fs::path{workdir_} / rel, ec));
                                }),
                 appeared.end());
  return appeared;
}

write_guard::~write_guard() {
  finish();
}

} // namespace telclaude::sandbox
