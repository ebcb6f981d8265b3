#define BOOST_TEST_MODULE bot_api_client
#include <boost/test/unit_test.hpp>

#include "core/error.hpp"
#include "telegram/api_response.hpp"
#include "telegram/bot_api_client.hpp"
#include "testing/loopback_bot_api.hpp"

#include <future>
#include <thread>

using namespace telclaude::telegram;
using telclaude::testing::fault;
using telclaude::testing::loopback_bot_api;
using telclaude::testing::loopback_bot_api_options;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

double seconds_since(steady_clock::time_point start) {
  return std::chrono::duration<double>(steady_clock::now() - start).count();
}

/// Fails the test when the token shows in any text of `error`.
void check_no_token(const call_error& error, const std::string& token) {
  const auto encoded = token.substr(0, token.find(':')) + "%3A" +
                       token.substr(token.find(':') + 1);
  for (const auto& text : {error.message, error.api.description}) {
    BOOST_TEST(text.find(token) == std::string::npos, text);
    BOOST_TEST(text.find(encoded) == std::string::npos, text);
  }
}

struct fixture {
  loopback_bot_api api;
  bot_api_client client{api.base_url(), api.token()};
};

} // namespace

BOOST_FIXTURE_TEST_CASE(sends_a_message_with_options, fixture) {
  api.post_message(10, 10, "hi");
  send_options options;
  options.parse_mode = "HTML";
  options.reply_to = 1;
  options.reply_markup =
    nlohmann::json{{"inline_keyboard", {{{{"text", "Yes"}, {"callback_data", "y"}}}}}};
  options.disable_preview = true;
  auto sent = client.send_message(10, "<b>hello</b>", options);
  BOOST_REQUIRE_MESSAGE(sent.ok(), (sent.ok() ? "" : sent.error().message));
  BOOST_TEST(sent.value() == 2);
  auto messages = api.messages(10);
  BOOST_REQUIRE_EQUAL(messages.size(), 1u);
  BOOST_TEST(messages[0].text == "<b>hello</b>");
  BOOST_TEST(messages[0].parse_mode == "HTML");
  BOOST_TEST(messages[0].reply_to.value() == 1);
  BOOST_TEST((*messages[0].reply_markup == *options.reply_markup));
  auto params = api.calls("sendMessage").at(0).params;
  BOOST_TEST(params["link_preview_options"]["is_disabled"] == true);
}

BOOST_FIXTURE_TEST_CASE(other_methods, fixture) {
  api.open_chat(5);
  auto me = client.get_me();
  BOOST_REQUIRE(me.ok());
  BOOST_TEST(me.value().username == "telclaude_test_bot");
  BOOST_TEST(me.value().id == 123456);
  BOOST_TEST(client.send_chat_action(5).ok());
  BOOST_TEST((api.chat_actions(5) == std::vector<std::string>{"typing"}));
  const auto id = client.send_message(5, "v1").value();
  BOOST_TEST(client.edit_message_text(5, id, "v2").ok());
  auto same = client.edit_message_text(5, id, "v2");
  BOOST_REQUIRE(!same.ok());
  BOOST_TEST(same.error().is_not_modified());
  BOOST_TEST(api.messages(5).at(0).edits.size() == 1u);
  BOOST_TEST(client.delete_message(5, id).ok());
  BOOST_TEST(api.messages(5).at(0).deleted);
  api.post_callback(5, 5, id, "data");
  auto batch = client.get_updates(0, 0).value();
  const auto& query = batch.updates.at(0);
  BOOST_TEST((query.kind == update_kind::callback_query));
  BOOST_TEST(client.answer_callback_query(query.callback_query_id, "ok").ok());
  BOOST_TEST(api.answered_callbacks().size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_photo_is_uploaded_and_the_next_call_is_json_again,
                        fixture) {
  api.open_chat(1);
  // Bytes a form field would mangle: NUL, CR LF, a boundary-like line.
  std::vector<std::uint8_t> png{0x89, 'P', 'N', 'G', 0, '\r', '\n', '-', '-',
                                0xff, 0};
  auto sent = client.send_photo(1, png, "scan me");
  BOOST_REQUIRE_MESSAGE(sent.ok(), (sent.ok() ? "" : sent.error().message));
  auto msgs = api.messages(1);
  BOOST_REQUIRE(msgs.size() == 1u);
  BOOST_TEST(msgs[0].message_id == sent.value());
  BOOST_TEST(msgs[0].text == "scan me");
  BOOST_REQUIRE(msgs[0].photo.has_value());
  BOOST_TEST(*msgs[0].photo == std::string(png.begin(), png.end()));
  // The reused handle sends JSON again afterwards.
  BOOST_TEST(client.send_message(1, "plain").ok());
  BOOST_TEST(api.messages(1).at(1).text == "plain");
  BOOST_TEST(!api.messages(1).at(1).photo.has_value());
  // Errors come back as for any call, token scrubbed.
  auto unknown = client.send_photo(999, png);
  BOOST_REQUIRE(!unknown.ok());
  BOOST_TEST(unknown.error().api.error_code == 400);
  BOOST_TEST(unknown.error().message.find(api.token()) == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(entity_errors_are_recognisable, fixture) {
  api.open_chat(1);
  send_options html;
  html.parse_mode = "HTML";
  auto bad = client.send_message(1, "<oops>", html);
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().is_entity_parse_error());
  BOOST_TEST(client.send_message(1, "<oops>").ok());
}

BOOST_FIXTURE_TEST_CASE(invalid_utf8_is_sent_replaced_not_thrown, fixture) {
  api.open_chat(1);
  auto sent = client.send_message(1, "bad \xFF byte");
  BOOST_REQUIRE(sent.ok());
  BOOST_TEST(api.messages(1).at(0).text == "bad \xEF\xBF\xBD byte");
}

BOOST_FIXTURE_TEST_CASE(offsets_confirm_updates, fixture) {
  const auto a = api.post_message(1, 1, "a");
  const auto b = api.post_message(1, 1, "b");
  auto first = client.get_updates(0, 0).value();
  BOOST_TEST(first.updates.size() == 2u);
  BOOST_TEST(first.next_offset.value() == b + 1);
  BOOST_TEST(first.updates[0].update_id == a);
  // Until confirmed, the same updates come again.
  BOOST_TEST(client.get_updates(0, 0).value().updates.size() == 2u);
  auto after = client.get_updates(*first.next_offset, 0).value();
  BOOST_TEST(after.updates.empty());
  BOOST_TEST(api.confirmed_offset() == b + 1);
  BOOST_TEST(api.pending_updates() == 0u);
}

BOOST_FIXTURE_TEST_CASE(malformed_updates_are_skipped_but_counted, fixture) {
  api.post_raw_update(R"({"update_id":{{update_id}},"message":{"chat":"x"}})");
  const auto good = api.post_message(1, 1, "fine");
  auto batch = client.get_updates(0, 0).value();
  BOOST_REQUIRE_EQUAL(batch.updates.size(), 1u);
  BOOST_TEST(batch.updates[0].update_id == good);
  BOOST_TEST(batch.skipped.size() == 1u);
  BOOST_TEST(batch.next_offset.value() == good + 1);
}

BOOST_FIXTURE_TEST_CASE(a_long_poll_returns_when_an_update_arrives, fixture) {
  const auto start = steady_clock::now();
  auto poll = std::async(std::launch::async,
                         [&] { return client.get_updates(0, 20); });
  while (api.get_updates_calls() < 1)
    std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(100ms);
  api.post_message(3, 3, "now");
  auto result = poll.get();
  BOOST_REQUIRE(result.ok());
  BOOST_TEST(result.value().updates.at(0).text == "now");
  BOOST_TEST(seconds_since(start) < 5.0);
}

BOOST_FIXTURE_TEST_CASE(a_concurrent_poller_gives_409, fixture) {
  auto poll = std::async(std::launch::async,
                         [&] { return client.get_updates(0, 20); });
  while (api.get_updates_calls() < 1)
    std::this_thread::sleep_for(5ms);
  bot_api_client other{api.base_url(), api.token()};
  BOOST_TEST(other.get_updates(0, 0).ok());
  auto result = poll.get();
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(result.error().is_conflict());
  BOOST_TEST(!result.error().is_transient());
  BOOST_TEST(to_user_error(result.error()).code() == "telegram.conflict");
  check_no_token(result.error(), api.token());
}

BOOST_FIXTURE_TEST_CASE(rate_limits_expose_retry_after, fixture) {
  api.open_chat(1);
  api.fail_next("sendMessage", 1,
                {429, "Too Many Requests: retry after 5", 5, {}, false});
  auto limited = client.send_message(1, "x");
  BOOST_REQUIRE(!limited.ok());
  BOOST_TEST(limited.error().is_rate_limited());
  BOOST_TEST(limited.error().retry_after().value() == 5);
  BOOST_TEST(limited.error().is_transient());
  check_no_token(limited.error(), api.token());
  BOOST_TEST(client.send_message(1, "x").ok());
}

BOOST_FIXTURE_TEST_CASE(server_errors_are_transient_api_errors, fixture) {
  api.fail_next("getUpdates", 1, {500, "Internal Server Error", {}, {}, false});
  api.fail_next("getMe", 1, {502, "", {}, "<html>502 Bad Gateway</html>", false});
  auto five = client.get_updates(0, 0);
  BOOST_REQUIRE(!five.ok());
  BOOST_TEST((five.error().kind == error_kind::api));
  BOOST_TEST(five.error().api.error_code == 500);
  BOOST_TEST(five.error().is_transient());
  auto page = client.get_me();
  BOOST_REQUIRE(!page.ok());
  BOOST_TEST(page.error().api.error_code == 502);
  BOOST_TEST(page.error().is_transient());
  check_no_token(page.error(), api.token());
}

BOOST_FIXTURE_TEST_CASE(a_dropped_connection_is_a_network_error, fixture) {
  api.fail_next("getUpdates", 1, {200, "", {}, {}, true});
  auto dropped = client.get_updates(0, 0);
  BOOST_REQUIRE(!dropped.ok());
  BOOST_TEST((dropped.error().kind == error_kind::network));
  BOOST_TEST(dropped.error().is_transient());
  check_no_token(dropped.error(), api.token());
  BOOST_TEST(client.get_updates(0, 0).ok());
}

BOOST_AUTO_TEST_CASE(connection_refused_is_a_network_error) {
  std::string url;
  std::string token;
  {
    loopback_bot_api gone;
    url = gone.base_url();
    token = gone.token();
  }
  bot_api_client client{url, token};
  auto result = client.get_me();
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST((result.error().kind == error_kind::network));
  BOOST_TEST(!result.error().message.empty());
  BOOST_TEST(to_user_error(result.error()).code() == "telegram.unreachable");
  check_no_token(result.error(), token);
}

BOOST_AUTO_TEST_CASE(the_token_never_appears_in_errors) {
  // A token that the URL, the error page and the description all echo.
  loopback_bot_api_options options;
  options.token = "987654:SECRET-token_value";
  loopback_bot_api api{options};
  api.fail_next("getMe", 1,
                {400, "Bad Request: bot987654:SECRET-token_value broke", {},
                 {}, false});
  api.fail_next("sendMessage", 1,
                {503, "", {}, "<p>/bot987654%3ASECRET-token_value/</p>", false});
  bot_api_client client{api.base_url(), options.token};
  auto described = client.get_me();
  BOOST_REQUIRE(!described.ok());
  check_no_token(described.error(), options.token);
  BOOST_TEST(described.error().message.find("<token>") != std::string::npos);
  auto page = client.send_message(1, "x");
  BOOST_REQUIRE(!page.ok());
  check_no_token(page.error(), options.token);

  bot_api_client wrong{api.base_url(), "111:wrong-token"};
  auto unauthorized = wrong.get_me();
  BOOST_REQUIRE(!unauthorized.ok());
  BOOST_TEST(to_user_error(unauthorized.error()).code() ==
             "telegram.unauthorized");
  check_no_token(unauthorized.error(), "111:wrong-token");
}

BOOST_AUTO_TEST_CASE(a_malformed_token_is_a_user_error) {
  for (const char* token : {"", "abc", "123:", ":abc", "12a:b", "1:a/b"}) {
    try {
      bot_api_client client{"http://127.0.0.1:1", token};
      BOOST_ERROR("accepted " << token);
    } catch (const telclaude::user_error& e) {
      BOOST_TEST(e.code() == "telegram.token");
    }
  }
}

BOOST_FIXTURE_TEST_CASE(cancel_aborts_a_long_poll_promptly, fixture) {
  auto poll = std::async(std::launch::async,
                         [&] { return client.get_updates(0, 30); });
  while (api.get_updates_calls() < 1)
    std::this_thread::sleep_for(5ms);
  const auto start = steady_clock::now();
  client.cancel();
  auto result = poll.get();
  BOOST_TEST(seconds_since(start) < 0.5);
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST((result.error().kind == error_kind::cancelled));
  // Sticky until resume: a poll started after cancel() does not run.
  BOOST_TEST((client.get_updates(0, 30).error().kind == error_kind::cancelled));
  client.resume();
  BOOST_TEST(client.get_me().ok());
}

BOOST_FIXTURE_TEST_CASE(a_connection_idle_past_keep_alive_is_reopened, fixture) {
  // The fake closes idle connections after 1 s; the client's reused
  // connection must not turn that into an error.
  api.open_chat(1);
  BOOST_TEST(client.send_message(1, "first").ok());
  std::this_thread::sleep_for(1500ms);
  auto second = client.send_message(1, "second");
  BOOST_TEST(second.ok(), (second.ok() ? "" : second.error().message));
}
