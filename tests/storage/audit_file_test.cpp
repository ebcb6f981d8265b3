#define BOOST_TEST_MODULE storage_audit_file
#include <boost/test/unit_test.hpp>

#include "core/error.hpp"
#include "storage/audit_file.hpp"
#include "tests/storage/temp_dir.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <thread>

using namespace telclaude::storage;
using telclaude::storage::test::temp_dir;

namespace {

audit_record record(int n) {
  audit_record r;
  r.time_ms = 1'700'000'000'000 + n;
  r.user_id = n;
  r.event = "request";
  r.verdict = "allowed";
  r.reason = "test";
  // Long enough that a torn write would show, with JSON escapes inside.
  r.excerpt = std::string(2000, 'x') + " \"quoted\" \n" + std::to_string(n);
  return r;
}

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::ifstream in{file};
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st{};
  BOOST_REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

} // namespace

BOOST_AUTO_TEST_CASE(appends_json_lines_and_creates_private_file_and_dirs) {
  temp_dir dir;
  auto file = dir / "a/b/audit.log";
  {
    audit_file log{file};
    BOOST_TEST(log.path() == file);
    log.append(record(1));
    log.append(record(2));
  }
  BOOST_TEST(mode_of(file) == 0600u);
  BOOST_TEST(mode_of(dir / "a") == 0700u);
  BOOST_TEST(mode_of(dir / "a/b") == 0700u);
  // A second opening appends after what is there.
  audit_file{file}.append(record(3));
  auto lines = lines_of(file);
  BOOST_REQUIRE(lines.size() == 3u);
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(lines[i] == to_json_line(record(i + 1)));
    auto j = nlohmann::json::parse(lines[i]);
    BOOST_TEST(j["user_id"] == i + 1);
    BOOST_TEST(j["chat_id"].is_null());
  }
}

BOOST_AUTO_TEST_CASE(concurrent_appends_keep_every_line_whole) {
  temp_dir dir;
  auto file = dir / "audit.log";
  constexpr int per_writer = 200;
  audit_file shared{file};
  audit_file second{file};  // as another process would: its own descriptor
  auto writer = [&](audit_file& log, int first) {
    for (int i = 0; i < per_writer; ++i)
      log.append(record(first + i));
  };
  std::thread a{writer, std::ref(shared), 0};
  std::thread b{writer, std::ref(shared), per_writer};
  std::thread c{writer, std::ref(second), 2 * per_writer};
  a.join();
  b.join();
  c.join();
  auto lines = lines_of(file);
  BOOST_REQUIRE(lines.size() == 3u * per_writer);
  std::vector<bool> seen(3 * per_writer);
  for (auto& line : lines) {
    auto j = nlohmann::json::parse(line);  // throws on a torn line
    auto n = j["user_id"].get<int>();
    BOOST_REQUIRE(n >= 0 && n < 3 * per_writer);
    BOOST_TEST(line == to_json_line(record(n)));
    seen[n] = true;
  }
  BOOST_TEST(std::count(seen.begin(), seen.end(), true) == 3 * per_writer);
}

BOOST_AUTO_TEST_CASE(an_unopenable_file_is_a_user_error_naming_it) {
  temp_dir dir;
  std::filesystem::create_directory(dir / "taken");
  try {
    audit_file log{dir / "taken"};
    BOOST_FAIL("a directory opened as the audit log");
  } catch (const telclaude::user_error& e) {
    BOOST_TEST(e.code() == "audit.open");
    std::string what = e.what();
    BOOST_TEST(what.find((dir / "taken").string()) != std::string::npos, what);
    BOOST_TEST(what.find("Is a directory") != std::string::npos, what);
  }
  std::ofstream{dir / "file"} << "x";
  BOOST_CHECK_EXCEPTION(audit_file{dir / "file/audit.log"},
                        telclaude::user_error, [](const auto& e) {
                          return e.code() == "audit.open";
                        });
}

BOOST_AUTO_TEST_CASE(a_failed_write_throws) {
  // /dev/full accepts the open and fails every write with ENOSPC.
  audit_file full{"/dev/full"};
  BOOST_CHECK_EXCEPTION(full.append(record(1)), std::system_error,
                        [](const std::system_error& e) {
                          return e.code().value() == ENOSPC;
                        });
}
