#define BOOST_TEST_MODULE admin_cli_e2e
#include <boost/test/unit_test.hpp>

#include <cctype>
#include <regex>
#include <sstream>

#include "core/clock.hpp"
#include "security/auth_code.hpp"
#include "storage/admin.hpp"
#include "storage/approvals.hpp"
#include "storage/audit_log.hpp"
#include "storage/auth_codes.hpp"
#include "storage/identity_links.hpp"
#include "tests/e2e/relay_fixture.hpp"

// `telclaude link`, `reset-auth` and `audit` against a data dir the test
// fills and inspects through storage/.

using namespace telclaude;
using namespace telclaude::testing;

namespace {

constexpr long long t0 = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

struct admin_fixture : relay_fixture {
  std::filesystem::path db_file() const {
    return data_dir() / "telclaude.db";
  }

  storage::database open_db() const {
    return storage::database::open(db_file());
  }

  /// Two links, the admin, a code and an approval.
  void fill_auth_tables() {
    auto db = open_db();
    storage::identity_links links{db};
    links.upsert({111, "WRITE_SAFE", t0, "link-code"});
    links.upsert({222, "READ_ONLY", t0 + 60'000, "admin-claim"});
    BOOST_REQUIRE(storage::admin{db}.claim(222, t0));
    BOOST_REQUIRE(storage::auth_codes{db}.issue(
      {"digest", storage::auth_purpose::link, 333, t0, t0 + 600'000}));
    storage::approval request;
    request.code = "K1";
    request.requester_id = 111;
    request.chat_id = 1;
    request.tier = "FULL_ACCESS";
    request.request_text = "deploy";
    request.created_ms = t0;
    request.expires_ms = t0 + 300'000;
    BOOST_REQUIRE(storage::approvals{db}.create(request));
  }

  /// How many rows `table` holds.
  std::int64_t rows_in(const std::string& table) {
    auto db = open_db();
    auto q = db.prepare("SELECT count(*) FROM " + table);
    q.step();
    return q.column_int64(0);
  }

  /// Every table reset-auth empties holds what fill_auth_tables() put in
  /// (or nothing, with `empty`).
  void check_auth_tables(bool empty) {
    BOOST_TEST(rows_in("identity_links") == (empty ? 0 : 2));
    BOOST_TEST(rows_in("admin") == (empty ? 0 : 1));
    BOOST_TEST(rows_in("auth_codes") == (empty ? 0 : 1));
    BOOST_TEST(rows_in("approvals") == (empty ? 0 : 1));
  }

  std::vector<storage::audit_record> audit_rows() {
    auto db = open_db();
    return storage::audit_log{db}.tail(1000);
  }

  std::vector<std::string> audit_file_lines(
    const std::filesystem::path& file) const {
    std::ifstream in{file};
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
      lines.push_back(line);
    return lines;
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

BOOST_FIXTURE_TEST_CASE(help_lists_the_admin_commands, admin_fixture) {
  auto r = run({"--help"});
  BOOST_TEST(r.code == 0);
  for (auto cmd : {"link", "reset-auth", "audit"})
    BOOST_TEST(contains(r.out, cmd), cmd);
}

BOOST_FIXTURE_TEST_CASE(link_issues_a_code_stored_only_as_its_digest,
                        admin_fixture) {
  auto before = to_unix_ms(system_clock::instance().now());
  auto r = run({"link", "tg:123456789"});
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
  std::smatch m;
  BOOST_REQUIRE_MESSAGE(
    std::regex_search(r.out, m,
                      std::regex{"Link code for tg:123456789: ([A-Z0-9]+)"}),
    r.out);
  std::string code = m[1];
  BOOST_TEST(code.size() == 10u);
  BOOST_TEST(contains(r.out, "/link " + code), r.out);
  BOOST_TEST(contains(r.out, "within 10 minutes"), r.out);
  // Typed in lower case, it still normalises to the printed code.
  std::string typed = code;
  for (auto& c : typed)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  BOOST_REQUIRE(security::normalize_code(typed, 10) == code);
  auto digest = security::code_digest(*security::normalize_code(typed, 10));
  {
    auto db = open_db();
    auto q = db.prepare("SELECT code, purpose, subject, created_ms, "
                        "expires_ms FROM auth_codes");
    BOOST_REQUIRE(q.step());
    BOOST_TEST(q.column_text(0) == digest);
    BOOST_TEST(q.column_text(1) == "link");
    BOOST_TEST(q.column_int64(2) == 123456789);
    BOOST_TEST(q.column_int64(3) >= before);
    BOOST_TEST(q.column_int64(3) <= before + 60'000);
    BOOST_TEST(q.column_int64(4) - q.column_int64(3) == 600'000);
    BOOST_TEST(!q.step());
  }
  // The gatekeeper's side of the convention: it consumes the digest.
  auto db = open_db();
  storage::auth_codes codes{db};
  BOOST_TEST((codes.consume(storage::auth_purpose::link, code, before).status
              == storage::consume_status::not_found));
  auto used = codes.consume(storage::auth_purpose::link, digest, before);
  BOOST_REQUIRE(used);
  BOOST_TEST(used.code->subject == 123456789);
  // Audited on both sides, never with the code.
  auto rows = storage::audit_log{db}.tail(10);
  BOOST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].event == "link");
  BOOST_TEST(rows[0].verdict == "code_issued");
  BOOST_TEST((rows[0].user_id == 123456789));
  BOOST_TEST(!contains(rows[0].reason, code));
  auto lines = audit_file_lines(data_dir() / "audit.log");
  BOOST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(lines[0] == storage::to_json_line(rows[0]));
  BOOST_TEST(!contains(lines[0], code));
}

BOOST_FIXTURE_TEST_CASE(each_link_command_draws_a_new_code, admin_fixture) {
  auto a = run({"link", "tg:5"});
  auto b = run({"link", "tg:5"});
  BOOST_REQUIRE(a.code == 0);
  BOOST_REQUIRE(b.code == 0);
  BOOST_TEST(a.out != b.out);
  auto db = open_db();
  BOOST_TEST(storage::auth_codes{db}.count_valid(
               storage::auth_purpose::link,
               to_unix_ms(system_clock::instance().now()))
             == 2u);
}

BOOST_FIXTURE_TEST_CASE(malformed_users_are_refused_with_link_bad_user,
                        admin_fixture) {
  const std::vector<std::pair<std::string, std::string>> cases{
    {"123456789", "does not start with tg:"},
    {"TG:5", "does not start with tg:"},
    {"tg:", "no user id after tg:"},
    {"tg:abc", "\"abc\" is not a number"},
    {"tg:12x", "\"12x\" is not a number"},
    {"tg:+5", "\"+5\" is not a number"},
    {"tg:-5", "a user id is positive"},
    {"tg:0", "0 is not a user id"},
    {"tg:007", "leading zero"},
    {"tg:9223372036854775808", "too large"},
  };
  for (const auto& [arg, why] : cases) {
    for (auto args : {std::vector<std::string>{"link", arg},
                      std::vector<std::string>{"link", "--remove", arg}}) {
      auto r = run(args);
      BOOST_TEST(r.code == 2, arg);
      BOOST_TEST(contains(r.err, why), arg << ": " << r.err);
      BOOST_TEST(contains(r.err, "expected tg:<Telegram user id>"), r.err);
      BOOST_TEST(contains(r.err, "[link.bad_user]"), r.err);
    }
  }
  BOOST_TEST(!std::filesystem::exists(db_file()));
  // The largest id is fine.
  BOOST_TEST(run({"link", "tg:9223372036854775807"}).code == 0);
}

BOOST_FIXTURE_TEST_CASE(link_needs_exactly_one_action, admin_fixture) {
  BOOST_TEST(run({"link"}).code == 2);
  BOOST_TEST(run({"link", "tg:1", "--list"}).code == 2);
  BOOST_TEST(run({"link", "--list", "--remove", "tg:1"}).code == 2);
  BOOST_TEST(run({"link", "tg:1", "--json"}).code == 2);
  BOOST_TEST(!std::filesystem::exists(db_file()));
}

BOOST_FIXTURE_TEST_CASE(list_shows_links_and_marks_the_admin,
                        admin_fixture) {
  auto r = run({"link", "--list"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(contains(r.out, "No identity links and no admin"), r.out);
  fill_auth_tables();
  r = run({"link", "--list"});
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
  BOOST_TEST(contains(r.out, "user    tier        linked at"), r.out);
  BOOST_TEST(contains(r.out, "tg:111  WRITE_SAFE  2023-11-14T22:13:20Z  "
                             "link-code"),
             r.out);
  BOOST_TEST(contains(r.out, "tg:222  READ_ONLY   2023-11-14T22:14:20Z  "
                             "admin-claim  (admin)"),
             r.out);
  r = run({"link", "--list", "--json"});
  BOOST_REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  BOOST_REQUIRE(j["links"].size() == 2u);
  BOOST_TEST(j["links"][0]["user"] == "tg:111");
  BOOST_TEST(j["links"][0]["tier"] == "WRITE_SAFE");
  BOOST_TEST(j["links"][0]["linked_at_ms"] == t0);
  BOOST_TEST(j["links"][0]["linked_by"] == "link-code");
  BOOST_TEST(j["links"][0]["admin"] == false);
  BOOST_TEST(j["links"][1]["admin"] == true);
  BOOST_TEST(j["admin"]["user"] == "tg:222");
  // An admin without a link still shows.
  {
    auto db = open_db();
    storage::identity_links{db}.remove(222);
  }
  r = run({"link", "--list"});
  BOOST_TEST(contains(r.out, "tg:222  -           -"), r.out);
  BOOST_TEST(contains(r.out, "(admin, claimed 2023-11-14T22:13:20Z)"),
             r.out);
}

BOOST_FIXTURE_TEST_CASE(remove_removes_one_link_and_audits_it,
                        admin_fixture) {
  fill_auth_tables();
  auto r = run({"link", "--remove", "tg:111"});
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
  BOOST_TEST(contains(r.out, "Removed the link of tg:111 (WRITE_SAFE)"),
             r.out);
  {
    auto db = open_db();
    storage::identity_links links{db};
    BOOST_TEST(!links.get(111));
    BOOST_TEST(links.get(222).has_value());
  }
  r = run({"link", "--remove", "tg:111"});
  BOOST_TEST(r.code == 1);
  BOOST_TEST(contains(r.err, "tg:111 has no identity link; nothing was "
                             "removed"),
             r.err);
  // The admin's link goes; the admin stays, and the output says so.
  r = run({"link", "--remove", "tg:222"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(contains(r.out, "tg:222 is still the admin"), r.out);
  auto rows = audit_rows();
  BOOST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(rows[0].verdict == "removed");
  BOOST_TEST((rows[0].user_id == 111));
  BOOST_TEST((rows[0].tier == "WRITE_SAFE"));
  BOOST_TEST((rows[1].user_id == 222));
  BOOST_TEST(audit_file_lines(data_dir() / "audit.log").size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(reset_auth_changes_nothing_unless_confirmed,
                        admin_fixture) {
  fill_auth_tables();
  auto r = run({"reset-auth"});  // stdin at end of file
  BOOST_TEST(r.code == 1);
  BOOST_TEST(contains(r.err, "not confirmed (expected RESET); nothing was "
                             "changed"),
             r.err);
  BOOST_TEST(contains(r.out, "identity link (2), the admin (tg:222)"), r.out);
  check_auth_tables(false);
  for (auto input : {"reset\n", "yes\n", "RESET please\n", "\n"}) {
    r = run({"reset-auth"}, input);
    BOOST_TEST(r.code == 1, input);
    check_auth_tables(false);
  }
  BOOST_TEST(audit_rows().empty());
  BOOST_TEST(audit_file_lines(data_dir() / "audit.log").empty());
}

BOOST_FIXTURE_TEST_CASE(reset_auth_with_reset_or_force_empties_the_tables,
                        admin_fixture) {
  for (bool force : {false, true}) {
    fill_auth_tables();
    auto r = force ? run({"reset-auth", "--force"})
                   : run({"reset-auth"}, "  RESET \n");
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(contains(r.out, "Removed 2 links, 1 admin, 1 code, 1 "
                               "approval."),
               r.out);
    check_auth_tables(true);
  }
  auto rows = audit_rows();
  BOOST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(rows[1].event == "admin");
  BOOST_TEST(rows[1].verdict == "reset_auth");
  BOOST_TEST(rows[1].reason == "CLI removed 2 links, 1 admin, 1 code, 1 approval");
  auto lines = audit_file_lines(data_dir() / "audit.log");
  BOOST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[1] == storage::to_json_line(rows[1]));
}

BOOST_FIXTURE_TEST_CASE(reset_auth_without_data_has_nothing_to_do,
                        admin_fixture) {
  auto r = run({"reset-auth", "--force"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(contains(r.out, "nothing to reset"), r.out);
  BOOST_TEST(!std::filesystem::exists(db_file()));
}

BOOST_FIXTURE_TEST_CASE(audit_prints_the_tail_oldest_first, admin_fixture) {
  auto r = run({"audit"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(contains(r.out, "No audit records: no relay data"), r.out);
  BOOST_TEST(run({"link", "tg:42"}).code == 0);
  std::vector<storage::audit_record> appended;
  {
    auto db = open_db();
    storage::audit_log log{db};
    for (int i = 0; i < 3; ++i) {
      storage::audit_record rec;
      rec.time_ms = t0 + i * 1000;
      rec.chat_id = -100;
      rec.user_id = 7;
      rec.tier = "WRITE_SAFE";
      rec.event = "request";
      rec.verdict = "allowed";
      rec.reason = "turn " + std::to_string(i);
      rec.duration_ms = 1500;
      rec.cost_usd = 0.0125;
      rec.excerpt = "ls \x1b[31mred\x1b[0m" + std::string(100, 'x');
      rec.id = log.append(rec);
      appended.push_back(rec);
    }
  }
  r = run({"audit", "--json", "--tail", "3"});
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
  std::string expected;
  for (const auto& rec : appended)
    expected += storage::to_json_line(rec) + "\n";
  BOOST_TEST(r.out == expected);
  // The default tail holds the CLI's own record first.
  r = run({"audit", "--json"});
  auto first = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
  BOOST_TEST(first["event"] == "link");
  BOOST_TEST(first["verdict"] == "code_issued");
  BOOST_TEST(first["user_id"] == 42);
  r = run({"audit", "--tail", "2"});
  BOOST_REQUIRE(r.code == 0);
  std::istringstream table{r.out};
  std::vector<std::string> lines;
  for (std::string line; std::getline(table, line);)
    lines.push_back(line);
  BOOST_REQUIRE(lines.size() == 3u);
  BOOST_TEST(lines[0].starts_with("time                  chat  user  tier"),
             lines[0]);
  BOOST_TEST(contains(lines[1], "2023-11-14T22:13:21Z  -100  tg:7  WRITE_SAFE  "
                                "request  allowed  turn 1  1.5s      "
                                "$0.0125  ls  [31mred [0mxxx"),
             lines[1]);
  BOOST_TEST(contains(lines[2], "turn 2"));
  BOOST_TEST(lines[2].ends_with("x…"), lines[2]);
  BOOST_TEST(!contains(r.out, "\x1b"));
}

BOOST_FIXTURE_TEST_CASE(audit_tail_out_of_range_is_a_usage_error,
                        admin_fixture) {
  for (auto n : {"0", "-1", "100001"}) {
    auto r = run({"audit", "--tail", n});
    BOOST_TEST(r.code == 2, n);
    BOOST_TEST(contains(r.err, "[audit.tail]"), n << ": " << r.err);
  }
  BOOST_TEST(run({"audit", "--tail", "ten"}).code == 2);
  BOOST_TEST(run({"audit", "--tail", "100000"}).code == 0);
}

BOOST_FIXTURE_TEST_CASE(the_config_decides_where_audit_records_go,
                        admin_fixture) {
  auto custom = tmp.path() / "logs" / "trail.jsonl";
  config["security"] = {{"audit", {{"logFile", custom.string()}}}};
  BOOST_REQUIRE(run({"link", "tg:9", "--config", write_config().string()})
                  .code
                == 0);
  BOOST_TEST(audit_file_lines(custom).size() == 1u);
  BOOST_TEST(!std::filesystem::exists(data_dir() / "audit.log"));
  config["security"]["audit"]["enabled"] = false;
  BOOST_REQUIRE(run({"link", "tg:9", "--config", write_config().string()})
                  .code
                == 0);
  BOOST_TEST(audit_file_lines(custom).size() == 1u);
  BOOST_TEST(audit_rows().size() == 1u);
  // A named file that is missing, or an invalid one, is an error.
  auto r = run({"link", "tg:9", "--config", (tmp.path() / "no.json").string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(contains(r.err, "[config.not_found]"), r.err);
  config["security"]["audit"]["enabled"] = "yes";
  r = run({"reset-auth", "--force", "--config", write_config().string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(contains(r.err, "security.audit.enabled"), r.err);
  BOOST_TEST(rows_in("auth_codes") == 2);
  // An audit log that cannot be opened stops the command before it
  // changes anything.
  config["security"]["audit"] = {{"logFile", tmp.path().string()}};
  r = run({"reset-auth", "--force", "--config", write_config().string()});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(contains(r.err, "[audit.open]"), r.err);
  BOOST_TEST(rows_in("auth_codes") == 2);
}
