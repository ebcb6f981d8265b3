#define BOOST_TEST_MODULE write_guard
#include <boost/test/unit_test.hpp>

#include "sandbox/netbridge.hpp"
#include "sandbox/run_sandbox.hpp"
#include "sandbox/write_guard.hpp"
#include "tests/agent/test_support.hpp"

#include <sys/stat.h>

#include <fstream>

using namespace telclaude::sandbox;
using telclaude::testing::temp_dir;
namespace fs = std::filesystem;
using strings = std::vector<std::string>;

namespace {

void touch(const fs::path& p, const std::string& content = "x") {
  fs::create_directories(p.parent_path());
  std::ofstream{p} << content;
}

} // namespace

BOOST_AUTO_TEST_CASE(sensitive_shapes) {
  for (const char* yes :
       {"id_rsa", "id_rsa.pub", "keys/id_ed25519", "cert.pem", "a/b/tls.key",
        ".env", ".env.local", "app/.env.production", ".npmrc", ".pypirc",
        ".netrc", ".git/hooks", ".git/hooks/pre-commit",
        "vendor/lib/.git/hooks/post-merge"})
    BOOST_TEST(is_sensitive(yes, {}), yes);
  for (const char* no : {"README.md", "env", "src/environment.cpp",
                         "keyboard.txt", "pem", ".gitignore",
                         ".git/config", "hooks/pre-commit", "my.keys"})
    BOOST_TEST(!is_sensitive(no, {}), no);
  strings deny{"*.sqlite", "secrets/*"};
  BOOST_TEST(is_sensitive("db/app.sqlite", deny));
  BOOST_TEST(is_sensitive("secrets/token", deny));
  BOOST_TEST(!is_sensitive("other/secrets/token", deny));
  BOOST_TEST(!is_sensitive("secrets/deep/token", deny));
}

BOOST_AUTO_TEST_CASE(existing_matches_are_overlays_symlinks_never) {
  temp_dir dir;
  auto w = dir.path() / "w";
  touch(w / ".env");
  touch(w / "deploy/server.pem");
  touch(w / "src/main.cpp");
  fs::create_directories(w / ".git");
  fs::create_symlink("/etc/passwd", w / "link.pem");
  fs::create_symlink(dir.path(), w / "loop");
  {
    write_guard guard{w.string(), {}};
    auto o = guard.overlays();
    auto has = [&](const fs::path& p) {
      return std::find(o.begin(), o.end(), p.string()) != o.end();
    };
    BOOST_TEST(has(w / ".env"));
    BOOST_TEST(has(w / "deploy/server.pem"));
    BOOST_TEST(has(w / ".git/hooks"));  // created for the fresh .git
    BOOST_TEST(fs::is_directory(w / ".git/hooks"));
    BOOST_TEST(!has(w / "link.pem"));
    BOOST_TEST(!has(w / "src/main.cpp"));
    // Placeholders for absent root names, read-only and empty.
    BOOST_TEST(has(w / "id_rsa"));
    BOOST_TEST(has(w / ".npmrc"));
    BOOST_TEST(fs::file_size(w / "id_rsa") == 0u);
    BOOST_TEST(((fs::status(w / "id_rsa").permissions()
                 & fs::perms::owner_write)
                == fs::perms::none));
    BOOST_TEST(!guard.truncated());
    // Something sensitive appears during the run.
    touch(w / "sub/.env.local");
    touch(w / "new.key");
    auto created = guard.finish();
    BOOST_TEST(created == (strings{"new.key", "sub/.env.local"}),
               boost::test_tools::per_element());
    BOOST_TEST(guard.finish().empty());  // idempotent
  }
  BOOST_TEST(!fs::exists(w / "id_rsa"));
  BOOST_TEST(!fs::exists(w / ".npmrc"));
  BOOST_TEST(fs::exists(w / ".env"));  // the user's own file stays
  BOOST_TEST(fs::is_symlink(w / "link.pem"));
}

BOOST_AUTO_TEST_CASE(concurrent_runs_share_placeholders) {
  temp_dir dir;
  auto w = dir.path() / "w";
  fs::create_directories(w);
  auto first = std::make_unique<write_guard>(w.string(), strings{});
  auto second = std::make_unique<write_guard>(w.string(), strings{});
  first->finish();
  // The second run still has its placeholders mounted.
  BOOST_TEST(fs::exists(w / ".env"));
  second->finish();
  BOOST_TEST(!fs::exists(w / ".env"));
}

BOOST_AUTO_TEST_CASE(a_placeholder_filled_from_outside_is_kept) {
  temp_dir dir;
  auto w = dir.path() / "w";
  fs::create_directories(w);
  write_guard guard{w.string(), {}};
  // (Only possible from outside the sandbox, where it is not read-only.)
  fs::permissions(w / ".env", fs::perms::owner_write, fs::perm_options::add);
  touch(w / ".env", "FILLED=1");
  guard.finish();
  BOOST_TEST(fs::exists(w / ".env"));
}

BOOST_AUTO_TEST_CASE(read_only_runs_get_no_guard) {
  temp_dir dir;
  auto w = dir.path() / "w";
  fs::create_directories(w);
  policy base;
  base.workdir = w.string();
  run_sandbox ro{base, false, {}};
  BOOST_TEST(!ro.get().workdir_writable);
  BOOST_TEST(ro.get().read_only_overlays.empty());
  BOOST_TEST(!fs::exists(w / ".env"));
  run_sandbox rw{base, true, {}};
  BOOST_TEST(rw.get().workdir_writable);
  BOOST_TEST(!rw.get().read_only_overlays.empty());
  rw.finish();
  BOOST_TEST(!fs::exists(w / ".env"));
}

BOOST_AUTO_TEST_CASE(loopback_allow_hosts_become_forwards) {
  BOOST_TEST(loopback_forwards({"127.0.0.1:8080", "gateway.corp:443",
                                "10.0.0.5:80", "localhost:3000",
                                "[::1]:9000", "bad"})
               == (strings{"127.0.0.1:8080", "127.0.0.1:3000", "[::1]:9000"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bridge_arguments) {
  auto a = netbridge::parse_args({"--socket", "/s", "--forward",
                                  "127.0.0.1:80", "--", "claude", "-p"});
  BOOST_TEST(a.error.empty(), a.error);
  BOOST_TEST(a.socket == "/s");
  BOOST_TEST(a.forwards == strings{"127.0.0.1:80"},
             boost::test_tools::per_element());
  BOOST_TEST(a.command == (strings{"claude", "-p"}),
             boost::test_tools::per_element());
  BOOST_TEST(netbridge::parse_args({"--socket", "/s", "--forward",
                                    "10.0.0.1:80", "--", "x"})
               .error
             == "--forward 10.0.0.1:80: expected a loopback address and "
                "port such as 127.0.0.1:8080");
  BOOST_TEST(netbridge::parse_args({"--", "x"}).error
             == "--socket PATH is required");
  BOOST_TEST(netbridge::parse_args({"--socket", "/s", "--"}).error
             == "no program to run after --");
  BOOST_TEST(netbridge::parse_args({"--socket", "/s", "x"})
               .error.starts_with("unexpected argument \"x\""));
}
