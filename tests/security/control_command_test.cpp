#define BOOST_TEST_MODULE control_command
#include <boost/test/unit_test.hpp>

#include "security/control_command.hpp"

using namespace telclaude::security;
using namespace std::chrono_literals;

namespace {

/// A short picture of a parse result for the table.
std::string show(const control_parse& p) {
  if (std::holds_alternative<not_control>(p))
    return "text";
  if (std::holds_alternative<other_bot>(p))
    return "other_bot";
  if (const auto* e = std::get_if<control_error>(&p))
    return "error " + std::string(to_string(e->kind)) + " " + e->reason;
  const auto& c = std::get<control_command>(p);
  return std::string(to_string(c.kind)) + (c.code.empty() ? "" : " ") +
         c.code;
}

} // namespace

BOOST_AUTO_TEST_CASE(parse_table) {
  struct row {
    const char* text;
    const char* expected;
  };
  const row rows[] = {
    {"/approve ABCDEFGH", "approve ABCDEFGH"},
    {"/approve abcdefgh", "approve ABCDEFGH"},
    {"  /approve \t ABCDEFGH \n", "approve ABCDEFGH"},
    {"/APPROVE ABCDEFGH", "approve ABCDEFGH"},
    {"/approve@my_bot ABCDEFGH", "approve ABCDEFGH"},
    {"/approve@MY_BOT ABCDEFGH", "approve ABCDEFGH"},
    {"/approve@other_bot ABCDEFGH", "other_bot"},
    {"/whoami@other_bot", "other_bot"},
    {"/approve", "error approve missing_code"},
    {"/approve@my_bot", "error approve missing_code"},
    {"/approve ABC", "error approve malformed_code"},
    {"/approve ABCDEFG0", "error approve malformed_code"},
    {"/approve ABCDEFGH extra", "error approve unexpected_argument"},
    {"/deny ABCDEFGH", "deny ABCDEFGH"},
    {"/deny", "error deny missing_code"},
    {"/link 23456789AB", "link 23456789AB"},
    {"/link ABCDEFGH", "error link malformed_code"},
    {"/link", "error link missing_code"},
    {"/unlink", "unlink"},
    {"/unlink now", "error unlink unexpected_argument"},
    {"/whoami", "whoami"},
    {"/whoami@my_bot", "whoami"},
    {"/whoami please", "error whoami unexpected_argument"},
    {"/stop", "stop"},
    {"/STOP@my_bot", "stop"},
    {"/stop@other_bot", "other_bot"},
    {"/stop now", "error stop unexpected_argument"},
    {"/status", "status"},
    {"/status all", "error status unexpected_argument"},
    {"/stopped", "text"},
    {"/new", "text"},
    {"/reset", "text"},
    {"/start", "text"},
    {"/approved ABCDEFGH", "text"},
    {"/", "text"},
    {"approve ABCDEFGH", "text"},
    {"please /approve ABCDEFGH", "text"},
    {"", "text"},
    {"/setup-2fa", "setup-2fa"},
    {"/setup_2fa", "setup-2fa"},
    {"/SETUP-2FA@my_bot", "setup-2fa"},
    {"/setup-2fa now", "error setup-2fa unexpected_argument"},
    {"/verify-2fa 123456", "verify-2fa 123456"},
    {"/verify_2fa 012345", "verify-2fa 012345"},
    {"/verify-2fa", "error verify-2fa missing_code"},
    {"/verify-2fa 12345", "error verify-2fa malformed_code"},
    {"/verify-2fa 1234567", "error verify-2fa malformed_code"},
    {"/verify-2fa 12345a", "error verify-2fa malformed_code"},
    {"/verify-2fa １２３４５６", "error verify-2fa malformed_code"},
    {"/disable-2fa 654321", "disable-2fa 654321"},
    {"/disable-2fa", "error disable-2fa missing_code"},
    {"/2fa-logout", "2fa-logout"},
    {"/2fa_logout", "2fa-logout"},
    {"/skip-totp", "skip-totp"},
    {"/skip_totp x", "error skip-totp unexpected_argument"},
    {"/setup2fa", "text"},
    {"/setup--2fa", "text"},
  };
  for (const auto& r : rows)
    BOOST_TEST(show(parse_control_command(r.text, "my_bot")) == r.expected,
               "text: " << r.text);
  // Without a known bot name any suffix is accepted.
  BOOST_TEST(show(parse_control_command("/whoami@x", "")) == "whoami");
}

BOOST_AUTO_TEST_CASE(errors_tell_the_user_what_to_do_without_echoing) {
  const auto p = parse_control_command("/link s3cr3t-t0ken", "b");
  const auto& e = std::get<control_error>(p);
  BOOST_TEST(e.user_message.find("s3cr3t") == std::string::npos);
  BOOST_TEST(e.user_message.find("10 letters and digits") !=
             std::string::npos);
  const auto deny = parse_control_command("/deny", "b");
  const auto& m = std::get<control_error>(deny);
  BOOST_TEST(m.user_message == "Usage: /deny <code>");
}

BOOST_AUTO_TEST_CASE(callback_table) {
  struct row {
    std::string data;
    const char* expected;  // "approve CODE", "deny CODE" or an error reason
  };
  const row rows[] = {
    {"approve:ABCDEFGH", "approve ABCDEFGH"},
    {"deny:ABCDEFGH", "deny ABCDEFGH"},
    {"deny:abcdefgh", "deny ABCDEFGH"},
    {"approve:", "malformed_code"},
    {"approve", "missing_code"},
    {"approve:ABCDEFGH:x", "malformed_code"},
    {"APPROVE:ABCDEFGH", "unknown_action"},
    {"link:23456789AB", "unknown_action"},
    {"", "unknown_action"},
    {"approve:" + std::string(57, 'A'), "too_long"},
    {"stop:17", "stop 17"},
    {"stop:18446744073709551615", "stop 18446744073709551615"},
    {"stop:", "malformed_code"},
    {"stop", "missing_code"},
    {"stop:1a", "malformed_code"},
    {"stop:-1", "malformed_code"},
    {"stop:" + std::string(21, '9'), "malformed_code"},
    {"STOP:1", "unknown_action"},
  };
  for (const auto& r : rows) {
    const auto p = parse_callback_data(r.data);
    std::string got;
    if (const auto* c = std::get_if<control_command>(&p))
      got = std::string(to_string(c->kind)) + " " + c->code;
    else
      got = std::get<control_error>(p).reason;
    BOOST_TEST(got == r.expected, "data: " << r.data);
  }
}

BOOST_AUTO_TEST_CASE(prompt_shows_request_code_and_buttons) {
  const auto p = make_approval_prompt("deploy the site", "ABCDEFGH", 5min);
  BOOST_TEST(p.text.find("deploy the site") != std::string::npos);
  BOOST_TEST(p.text.find("Code: ABCDEFGH (valid 5 minutes)") !=
             std::string::npos);
  BOOST_TEST(p.text.find("/deny ABCDEFGH") != std::string::npos);
  BOOST_REQUIRE(p.buttons.size() == 2u);
  BOOST_TEST(p.buttons[0].label == "Approve");
  BOOST_TEST(p.buttons[0].callback_data == "approve:ABCDEFGH");
  BOOST_TEST(p.buttons[1].callback_data == "deny:ABCDEFGH");
  BOOST_TEST(make_callback_data(control_kind::stop, "12") == "stop:12");
  for (const auto& b : p.buttons) {
    BOOST_TEST(b.callback_data.size() <= max_callback_data_bytes);
    BOOST_TEST(std::holds_alternative<control_command>(
      parse_callback_data(b.callback_data)));
  }
  // A long request is cut at a character boundary.
  std::string long_text(999, 'x');
  long_text += "éééé";
  const auto cut = make_approval_prompt(long_text, "ABCDEFGH", 5min);
  const auto body = cut.text.substr(0, cut.text.find("\n\nCode:"));
  BOOST_TEST(body.find("x…") != std::string::npos);
  BOOST_TEST(body.find("\xc3\xa9") == std::string::npos);
}
