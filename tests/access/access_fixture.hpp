#pragma once

// The gatekeeper's logic over a real SQLite file and a hand-moved clock.

#include <boost/test/unit_test.hpp>

#include "access/access_control.hpp"
#include "security/auth_code.hpp"
#include "storage/admin.hpp"
#include "storage/approvals.hpp"
#include "storage/audit_log.hpp"
#include "storage/auth_codes.hpp"
#include "storage/database.hpp"
#include "storage/identity_links.hpp"
#include "tests/storage/temp_dir.hpp"

#include <regex>

namespace telclaude::access::test {

using namespace std::chrono_literals;
using storage::test::temp_dir;

constexpr std::int64_t admin_user = 1001;
constexpr std::int64_t alice = 2002;   // WRITE_SAFE by config
constexpr std::int64_t bob = 3003;     // default tier
constexpr std::int64_t group_chat = -500;

/// A relay's database and gatekeeper logic with a hand-moved clock.
struct fixture {
  temp_dir dir;
  manual_clock wall;
  storage::database db = storage::database::open(dir / "t.db");
  access_options opts = default_options();
  /// The 2FA vault the gatekeeper asks (none unless a test sets one).
  second_factor* factor = nullptr;
  std::unique_ptr<access_control> gate = make();

  static access_options default_options() {
    access_options o;
    o.allowed_chats = {admin_user, alice, bob, group_chat, 3};
    o.user_tiers = {{alice, tier::write_safe}};
    o.bot_username = "telclaude_test_bot";
    o.limits.global = {1000, 10000};
    o.limits.per_user = {3, 5};
    return o;
  }

  std::unique_ptr<access_control> make() {
    return std::make_unique<access_control>(
      db, opts, wall, [](std::string_view s) {
        // A stand-in redactor: hides the word "hunter2".
        std::string out{s};
        for (auto p = out.find("hunter2"); p != std::string::npos;
             p = out.find("hunter2"))
          out.replace(p, 7, "[REDACTED:test]");
        return out;
      },
      factor);
  }

  /// A "restart": a new gatekeeper over the same database file.
  void restart() {
    gate.reset();
    gate = make();
  }

  access::access_outcome send(std::int64_t user, std::string text,
                              std::int64_t chat = 0,
                              std::string type = "private") {
    chat_message m;
    m.update_id = ++update;
    m.chat_id = chat == 0 ? user : chat;
    m.chat_type = type;
    m.user_id = user;
    m.message_id = update * 10;
    m.text = std::move(text);
    m.has_text = true;
    return gate->handle(m);
  }

  access::access_outcome press(std::int64_t user, std::string data,
                               std::int64_t chat) {
    chat_message m;
    m.update_id = ++update;
    m.chat_id = chat;
    m.chat_type = chat < 0 ? "group" : "private";
    m.user_id = user;
    m.callback_id = "cb-" + std::to_string(update);
    m.callback_data = std::move(data);
    return gate->handle(m);
  }

  /// Claims admin for admin_user through the real flow.
  void claim_admin() {
    auto offer = send(admin_user, "hello");
    auto code = code_in(offer.reply.text);
    auto done = send(admin_user, "/approve " + code);
    BOOST_REQUIRE(done.reply.text.find("admin") != std::string::npos);
    BOOST_REQUIRE(storage::admin{db}.get());
  }

  /// Issues a link code for `user` the way `telclaude link` does.
  std::string link_code(std::int64_t user, long long ttl_ms = 600'000) {
    auto code = security::generate_code(security::code_kind::link);
    storage::auth_code row;
    row.code = security::code_digest(code);
    row.purpose = storage::auth_purpose::link;
    row.subject = user;
    row.created_ms = to_unix_ms(wall.now());
    row.expires_ms = row.created_ms + ttl_ms;
    BOOST_REQUIRE(storage::auth_codes{db}.issue(row));
    return code;
  }

  void link(std::int64_t user) {
    auto r = send(user, "/link " + link_code(user));
    BOOST_REQUIRE_MESSAGE(r.reply.text.starts_with("Linked"), r.reply.text);
  }

  /// A FULL_ACCESS request of the admin; returns its approval code.
  std::string ask_code() {
    auto ask = send(admin_user, "deploy it");
    auto data = ask.reply.buttons.at(0).callback_data;
    return data.substr(data.find(':') + 1);
  }

  static std::string code_in(const std::string& text) {
    static const std::regex re{"/approve ([2-9A-Z]{8})"};
    std::smatch m;
    BOOST_REQUIRE_MESSAGE(std::regex_search(text, m, re), text);
    return m[1];
  }

  std::int64_t update = 0;
};

inline std::string verdict_of(const access::access_outcome& o) {
  BOOST_REQUIRE(!o.audit.empty());
  return o.audit.back().verdict;
}

} // namespace telclaude::access::test
