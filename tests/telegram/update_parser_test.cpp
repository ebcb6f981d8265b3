#define BOOST_TEST_MODULE update_parser
#include <boost/test/unit_test.hpp>

#include "telegram/api_response.hpp"
#include "telegram/update_parser.hpp"

#include <string>

using namespace telclaude::telegram;

namespace {

std::string ok(const std::string& result) {
  return R"({"ok":true,"result":)" + result + "}";
}

const std::string text_update = R"({"update_id":100,"message":{
  "message_id":7,"from":{"id":42,"is_bot":false,"first_name":"Ada",
  "username":"ada","language_code":"en"},
  "chat":{"id":42,"type":"private","first_name":"Ada"},
  "date":1700000000,"text":"hello"}})";

} // namespace

BOOST_AUTO_TEST_CASE(parses_a_text_message) {
  auto result = parse_get_updates(ok("[" + text_update + "]"));
  BOOST_REQUIRE(result.ok());
  const auto& batch = result.value();
  BOOST_REQUIRE_EQUAL(batch.updates.size(), 1u);
  const auto& u = batch.updates[0];
  BOOST_TEST(u.update_id == 100);
  BOOST_TEST((u.kind == update_kind::text_message));
  BOOST_TEST(u.chat_id == 42);
  BOOST_TEST(u.chat_type == "private");
  BOOST_TEST(u.user_id == 42);
  BOOST_TEST(u.username == "ada");
  BOOST_TEST(u.first_name == "Ada");
  BOOST_TEST(u.message_id == 7);
  BOOST_TEST(u.date == 1700000000);
  BOOST_TEST(u.text == "hello");
  BOOST_TEST(u.content_type == "text");
  BOOST_TEST(batch.next_offset.value() == 101);
  BOOST_TEST(batch.skipped.empty());
}

BOOST_AUTO_TEST_CASE(raw_round_trips_through_parse_update) {
  auto batch = parse_get_updates(ok("[" + text_update + "]")).value();
  const auto& raw = batch.updates.at(0).raw;
  BOOST_TEST(raw.find('\n') == std::string::npos);
  auto again = parse_update(raw);
  BOOST_REQUIRE(again.has_value());
  BOOST_TEST(again->text == "hello");
  BOOST_TEST(again->update_id == 100);
  BOOST_TEST(again->raw == raw);
}

BOOST_AUTO_TEST_CASE(an_empty_batch_keeps_the_offset) {
  auto result = parse_get_updates(ok("[]"));
  BOOST_REQUIRE(result.ok());
  BOOST_TEST(result.value().updates.empty());
  BOOST_TEST(!result.value().next_offset.has_value());
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_ignored) {
  // The npm emulator adds a stray botToken; Telegram adds fields over time.
  auto body = R"({"ok":true,"botToken":"x","result":[{"update_id":5,
    "future_field":{"a":[1,2]},"message":{"message_id":1,"botToken":"y",
    "chat":{"id":-100123,"type":"supergroup","title":"T","is_forum":true},
    "from":{"id":9,"is_bot":false,"first_name":"B","added_to_attachment_menu":true},
    "date":1,"text":"hi","entities":[],"link_preview_options":{}}}]})";
  auto result = parse_get_updates(body);
  BOOST_REQUIRE(result.ok());
  BOOST_REQUIRE_EQUAL(result.value().updates.size(), 1u);
  BOOST_TEST(result.value().updates[0].chat_id == -100123);
  BOOST_TEST(result.value().updates[0].chat_type == "supergroup");
}

BOOST_AUTO_TEST_CASE(a_malformed_body_is_a_protocol_error) {
  for (std::string body : {"", "{", "not json", R"({"ok":true})",
                           R"({"result":[]})", "[1,2]",
                           R"({"ok":true,"result":{"update_id":1}})",
                           R"({"ok":true,"result":[)"}) {
    auto result = parse_get_updates(body);
    BOOST_REQUIRE_MESSAGE(!result.ok(), body);
    BOOST_TEST((result.error().kind == error_kind::protocol), body);
    BOOST_TEST(!result.error().message.empty());
  }
}

BOOST_AUTO_TEST_CASE(an_error_answer_is_an_api_error) {
  auto result = parse_get_updates(
    R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}})",
    429);
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(result.error().is_rate_limited());
  BOOST_TEST(result.error().retry_after().value() == 7);
  BOOST_TEST(result.error().is_transient());

  auto conflict = parse_get_updates(
    R"({"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request"})",
    409);
  BOOST_TEST(conflict.error().is_conflict());
  BOOST_TEST(!conflict.error().is_transient());
}

BOOST_AUTO_TEST_CASE(a_non_json_error_page_keeps_the_http_status) {
  auto result = parse_get_updates("<html>502 Bad Gateway</html>", 502);
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST((result.error().kind == error_kind::api));
  BOOST_TEST(result.error().api.error_code == 502);
  BOOST_TEST(result.error().is_transient());
}

BOOST_AUTO_TEST_CASE(a_malformed_update_is_skipped_but_counted) {
  auto body = ok(R"([
    {"update_id":1,"message":{"message_id":1,"chat":{"id":1,"type":"private"},"date":1,"text":"a"}},
    {"update_id":2,"message":{"message_id":"two","chat":{"id":1},"text":"b"}},
    {"update_id":3,"message":{"message_id":3,"chat":{"id":1},"text":42}},
    {"update_id":4,"message":{"message_id":4,"text":"no chat"}},
    {"no_update_id":true},
    "a string",
    {"update_id":5,"callback_query":{"from":{"id":1}}},
    {"update_id":6,"message":{"message_id":6,"chat":{"id":1,"type":"private"},"date":1,"text":"f"}}
  ])");
  auto result = parse_get_updates(body);
  BOOST_REQUIRE(result.ok());
  const auto& batch = result.value();
  BOOST_REQUIRE_EQUAL(batch.updates.size(), 2u);
  BOOST_TEST(batch.updates[0].text == "a");
  BOOST_TEST(batch.updates[1].text == "f");
  BOOST_TEST((batch.skipped == std::vector<std::int64_t>{2, 3, 4, 5}));
  BOOST_TEST(batch.unreadable == 2u);
  BOOST_TEST(batch.next_offset.value() == 7);
}

BOOST_AUTO_TEST_CASE(a_batch_of_only_malformed_updates_still_advances) {
  auto result = parse_get_updates(ok(R"([{"update_id":9,"message":5}])"));
  BOOST_REQUIRE(result.ok());
  BOOST_TEST(result.value().updates.empty());
  BOOST_TEST(result.value().next_offset.value() == 10);
}

BOOST_AUTO_TEST_CASE(non_text_messages_name_their_content) {
  auto body = ok(R"([
    {"update_id":1,"message":{"message_id":1,"chat":{"id":1,"type":"private"},"date":1,
      "photo":[{"file_id":"p","file_unique_id":"u","width":1,"height":1}],"caption":"look"}},
    {"update_id":2,"message":{"message_id":2,"chat":{"id":1,"type":"private"},"date":1,
      "sticker":{"file_id":"s","emoji":"\ud83d\ude00"}}},
    {"update_id":3,"message":{"message_id":3,"chat":{"id":1,"type":"private"},"date":1,
      "voice":{"file_id":"v","duration":2}}},
    {"update_id":4,"message":{"message_id":4,"chat":{"id":1,"type":"private"},"date":1,
      "brand_new_kind":{}}}
  ])");
  auto batch = parse_get_updates(body).value();
  BOOST_REQUIRE_EQUAL(batch.updates.size(), 4u);
  const char* expected[] = {"photo", "sticker", "voice", "unknown"};
  for (std::size_t i = 0; i < 4; ++i) {
    BOOST_TEST((batch.updates[i].kind == update_kind::non_text_message));
    BOOST_TEST(batch.updates[i].content_type == expected[i]);
    BOOST_TEST(batch.updates[i].text.empty());
  }
}

BOOST_AUTO_TEST_CASE(edited_messages_and_other_kinds) {
  auto body = ok(R"([
    {"update_id":1,"edited_message":{"message_id":3,"chat":{"id":5,"type":"private"},
      "date":1,"edit_date":2,"text":"fixed"}},
    {"update_id":2,"my_chat_member":{"chat":{"id":5}}},
    {"update_id":3,"channel_post":{"message_id":1,"chat":{"id":-1,"type":"channel"},"text":"x"}}
  ])");
  auto batch = parse_get_updates(body).value();
  BOOST_REQUIRE_EQUAL(batch.updates.size(), 3u);
  BOOST_TEST((batch.updates[0].kind == update_kind::edited_message));
  BOOST_TEST(batch.updates[0].text == "fixed");
  BOOST_TEST((batch.updates[1].kind == update_kind::other));
  BOOST_TEST((batch.updates[2].kind == update_kind::other));
}

BOOST_AUTO_TEST_CASE(callback_queries) {
  auto body = ok(R"([
    {"update_id":1,"callback_query":{"id":"cb-1","chat_instance":"ci",
      "from":{"id":42,"is_bot":false,"first_name":"Ada","username":"ada"},
      "message":{"message_id":17,"chat":{"id":-5,"type":"group","title":"g"},"date":1,"text":"Approve?"},
      "data":"approve:abc"}},
    {"update_id":2,"callback_query":{"id":"cb-2","from":{"id":42},"inline_message_id":"im"}}
  ])");
  auto batch = parse_get_updates(body).value();
  BOOST_REQUIRE_EQUAL(batch.updates.size(), 2u);
  const auto& u = batch.updates[0];
  BOOST_TEST((u.kind == update_kind::callback_query));
  BOOST_TEST(u.callback_query_id == "cb-1");
  BOOST_TEST(u.callback_data == "approve:abc");
  BOOST_TEST(u.chat_id == -5);
  BOOST_TEST(u.chat_type == "group");
  BOOST_TEST(u.message_id == 17);
  BOOST_TEST(u.user_id == 42);
  BOOST_TEST(u.username == "ada");
  BOOST_TEST(batch.updates[1].chat_id == 42);
  BOOST_TEST(batch.updates[1].callback_data.empty());
}

BOOST_AUTO_TEST_CASE(dates_in_milliseconds_are_normalised) {
  auto body = ok(R"([{"update_id":1,"message":{"message_id":1,
    "chat":{"id":1,"type":"private"},"date":1700000000123,"text":"x"}}])");
  BOOST_TEST(parse_get_updates(body).value().updates.at(0).date == 1700000000);
}

BOOST_AUTO_TEST_CASE(parse_update_rejects_garbage) {
  BOOST_TEST(!parse_update("").has_value());
  BOOST_TEST(!parse_update("{").has_value());
  BOOST_TEST(!parse_update(R"({"message":{}})").has_value());
  BOOST_TEST(!parse_update(R"({"update_id":1,"message":{}})").has_value());
  BOOST_TEST(parse_update(R"({"update_id":1})").has_value());
}

BOOST_AUTO_TEST_CASE(commands_with_and_without_bot_name) {
  auto c = parse_command("/New@My_Bot  start over\nplease");
  BOOST_REQUIRE(c.has_value());
  BOOST_TEST(c->name == "new");
  BOOST_TEST(c->bot_username == "My_Bot");
  BOOST_TEST(c->args == "start over\nplease");
  BOOST_TEST(c->addressed_to("my_bot"));
  BOOST_TEST(c->addressed_to("@MY_BOT"));
  BOOST_TEST(!c->addressed_to("other_bot"));

  auto plain = parse_command("/stop");
  BOOST_REQUIRE(plain.has_value());
  BOOST_TEST(plain->name == "stop");
  BOOST_TEST(plain->args.empty());
  BOOST_TEST(plain->addressed_to("anything"));

  BOOST_TEST(!parse_command("hello /stop").has_value());
  BOOST_TEST(!parse_command("/").has_value());
  BOOST_TEST(!parse_command("/ x").has_value());
  BOOST_TEST(!parse_command("/path/to/file").has_value());
  BOOST_TEST(!parse_command("").has_value());
}

BOOST_AUTO_TEST_CASE(send_and_get_me_answers) {
  BOOST_TEST(parse_sent_message(ok(R"({"message_id":12,"chat":{"id":1}})"))
               .value() == 12);
  BOOST_TEST(!parse_sent_message(ok("true")).ok());
  BOOST_TEST(parse_done(ok("true")).ok());
  auto me = parse_bot_user(ok(R"({"id":1,"is_bot":true,"first_name":"T","username":"t_bot"})"));
  BOOST_TEST(me.value().username == "t_bot");
  auto not_modified = parse_done(
    R"({"ok":false,"error_code":400,"description":"Bad Request: message is not modified: specified new message content and reply markup are exactly the same"})",
    400);
  BOOST_TEST(not_modified.error().is_not_modified());
  BOOST_TEST(!not_modified.error().is_entity_parse_error());
  auto entities = parse_done(
    R"({"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: Unsupported start tag \"foo\" at byte offset 0"})",
    400);
  BOOST_TEST(entities.error().is_entity_parse_error());
}

BOOST_AUTO_TEST_CASE(user_errors_have_stable_codes) {
  call_error unauthorized;
  unauthorized.kind = error_kind::api;
  unauthorized.api.error_code = 401;
  BOOST_TEST(to_user_error(unauthorized).code() == "telegram.unauthorized");
  call_error conflict = unauthorized;
  conflict.api.error_code = 409;
  BOOST_TEST(to_user_error(conflict).code() == "telegram.conflict");
  call_error network;
  BOOST_TEST(to_user_error(network).code() == "telegram.unreachable");
}
