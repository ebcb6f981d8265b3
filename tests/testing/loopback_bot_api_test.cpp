#define BOOST_TEST_MODULE loopback_bot_api
#include <boost/test/unit_test.hpp>

#include "testing/bot_api_html.hpp"
#include "testing/bot_api_params.hpp"
#include "testing/loopback_bot_api.hpp"

#include <httplib.h>

#include <future>
#include <thread>

using namespace telclaude::testing;
using namespace std::chrono_literals;
using nlohmann::json;
using std::chrono::steady_clock;

namespace {

/// The answer of one raw HTTP call to the fake.
struct reply {
  int status = 0;
  json body;
};

/// Calls `method` with a JSON body over a fresh connection.
reply call(const loopback_bot_api& api, const std::string& method,
           const json& params = json::object(),
           const std::string& token = {}) {
  httplib::Client client{"127.0.0.1", api.port()};
  client.set_read_timeout(60, 0);
  auto result = client.Post(
    "/bot" + (token.empty() ? api.token() : token) + "/" + method,
    params.dump(), "application/json");
  BOOST_REQUIRE_MESSAGE(result, "no HTTP answer to " << method);
  auto body = parse_json_object(result->body);
  return {result->status, body.value_or(json{})};
}

std::vector<std::int64_t> update_ids(const reply& r) {
  std::vector<std::int64_t> ids;
  for (const auto& u : r.body.at("result"))
    ids.push_back(u.at("update_id").get<std::int64_t>());
  return ids;
}

double seconds_since(steady_clock::time_point start) {
  return std::chrono::duration<double>(steady_clock::now() - start).count();
}

} // namespace

BOOST_AUTO_TEST_CASE(updates_are_kept_until_a_higher_offset_confirms_them) {
  loopback_bot_api api;
  const auto a = api.post_message(1, 1, "a");
  const auto b = api.post_message(1, 1, "b");
  const auto c = api.post_message(2, 2, "c");
  BOOST_TEST(b == a + 1);
  BOOST_TEST(c == b + 1);

  auto first = call(api, "getUpdates");
  BOOST_TEST(first.status == 200);
  BOOST_TEST((update_ids(first) == std::vector{a, b, c}));
  // Reading does not confirm.
  BOOST_TEST((update_ids(call(api, "getUpdates")) == std::vector{a, b, c}));
  BOOST_TEST(api.pending_updates() == 3u);

  auto rest = call(api, "getUpdates", {{"offset", b}});
  BOOST_TEST((update_ids(rest) == std::vector{b, c}));
  BOOST_TEST(api.confirmed_offset() == b);

  auto none = call(api, "getUpdates", {{"offset", c + 1}});
  BOOST_TEST(update_ids(none).empty());
  BOOST_TEST(api.pending_updates() == 0u);
  BOOST_TEST(api.wait_for_confirmed_offset(c + 1, 10ms));
}

BOOST_AUTO_TEST_CASE(negative_offset_and_limit) {
  loopback_bot_api api;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(api.post_message(1, 1, "m" + std::to_string(i)));
  auto limited = call(api, "getUpdates", {{"limit", 2}});
  BOOST_TEST((update_ids(limited) == std::vector{ids[0], ids[1]}));
  auto last = call(api, "getUpdates", {{"offset", -2}});
  BOOST_TEST((update_ids(last) == std::vector{ids[3], ids[4]}));
  BOOST_TEST(api.pending_updates() == 2u);
}

BOOST_AUTO_TEST_CASE(form_and_query_bodies_are_accepted) {
  loopback_bot_api api;
  api.post_message(5, 5, "hi");
  httplib::Client client{"127.0.0.1", api.port()};
  auto sent = client.Post("/bot" + api.token() + "/sendMessage",
                          httplib::Params{{"chat_id", "5"},
                                          {"text", "form"},
                                          {"reply_markup",
                                           R"({"inline_keyboard":[]})"}});
  BOOST_REQUIRE(sent);
  BOOST_TEST(sent->status == 200);
  auto polled = client.Get(("/bot" + api.token() + "/getUpdates?limit=1").c_str());
  BOOST_REQUIRE(polled);
  BOOST_TEST(polled->status == 200);
  auto messages = api.messages(5);
  BOOST_REQUIRE_EQUAL(messages.size(), 1u);
  BOOST_TEST(messages[0].text == "form");
  BOOST_TEST(messages[0].reply_markup->contains("inline_keyboard"));
}

BOOST_AUTO_TEST_CASE(a_long_poll_returns_when_an_update_arrives) {
  loopback_bot_api api;
  const auto start = steady_clock::now();
  auto poll = std::async(std::launch::async,
                         [&] { return call(api, "getUpdates", {{"timeout", 10}}); });
  std::this_thread::sleep_for(200ms);
  const auto id = api.post_message(1, 1, "wake up");
  auto r = poll.get();
  BOOST_TEST((update_ids(r) == std::vector{id}));
  BOOST_TEST(seconds_since(start) < 3.0);
}

BOOST_AUTO_TEST_CASE(a_long_poll_without_updates_waits_for_its_timeout) {
  loopback_bot_api api;
  auto start = steady_clock::now();
  auto r = call(api, "getUpdates", {{"timeout", 1}});
  BOOST_TEST(update_ids(r).empty());
  BOOST_TEST(seconds_since(start) >= 0.9);

  api.set_empty_polls_at_once(true);
  start = steady_clock::now();
  call(api, "getUpdates", {{"timeout", 10}});
  BOOST_TEST(seconds_since(start) < 0.5);
  BOOST_TEST(api.get_updates_calls() == 2u);
}

BOOST_AUTO_TEST_CASE(a_second_poller_terminates_the_first_with_409) {
  loopback_bot_api api;
  auto first = std::async(std::launch::async,
                          [&] { return call(api, "getUpdates", {{"timeout", 10}}); });
  while (api.get_updates_calls() < 1)
    std::this_thread::sleep_for(5ms);
  const auto start = steady_clock::now();
  auto second = std::async(std::launch::async,
                           [&] { return call(api, "getUpdates", {{"timeout", 1}}); });
  auto r = first.get();
  BOOST_TEST(r.status == 409);
  BOOST_TEST(r.body["description"].get<std::string>().find(
               "terminated by other getUpdates") != std::string::npos);
  BOOST_TEST(seconds_since(start) < 0.9);
  BOOST_TEST(second.get().status == 200);
}

BOOST_AUTO_TEST_CASE(a_webhook_makes_get_updates_conflict) {
  loopback_bot_api api;
  api.set_webhook_active(true);
  auto r = call(api, "getUpdates");
  BOOST_TEST(r.status == 409);
  BOOST_TEST(r.body["error_code"] == 409);
  api.set_webhook_active(false);
  BOOST_TEST(call(api, "getUpdates").status == 200);
  BOOST_TEST(call(api, "setWebhook", {{"url", "https://x"}}).status == 200);
  BOOST_TEST(call(api, "getUpdates").status == 409);
  api.post_message(1, 1, "dropped");
  call(api, "deleteWebhook", {{"drop_pending_updates", true}});
  BOOST_TEST(update_ids(call(api, "getUpdates")).empty());
}

BOOST_AUTO_TEST_CASE(injected_faults_answer_then_clear) {
  loopback_bot_api api;
  api.open_chat(1);
  api.fail_next("sendMessage", 2,
                {429, "Too Many Requests: retry after 3", 3, {}, false});
  for (int i = 0; i < 2; ++i) {
    auto r = call(api, "sendMessage", {{"chat_id", 1}, {"text", "x"}});
    BOOST_TEST(r.status == 429);
    BOOST_TEST(r.body["parameters"]["retry_after"] == 3);
    BOOST_TEST(r.body["ok"] == false);
  }
  BOOST_TEST(call(api, "sendMessage", {{"chat_id", 1}, {"text", "x"}}).status == 200);

  api.fail_next("*", 1, {502, "Bad Gateway", {}, "<html>bad gateway</html>", false});
  auto page = call(api, "getMe");
  BOOST_TEST(page.status == 502);
  BOOST_TEST(page.body.is_null()); // not JSON
  BOOST_TEST(call(api, "getMe").status == 200);

  api.fail_next("getMe", 1, {200, "", {}, {}, true});
  httplib::Client client{"127.0.0.1", api.port()};
  auto dropped = client.Post("/bot" + api.token() + "/getMe", "{}",
                             "application/json");
  BOOST_TEST(!dropped);
  BOOST_TEST(api.calls("getMe").back().status == 0);
}

BOOST_AUTO_TEST_CASE(send_edit_delete_and_actions) {
  loopback_bot_api api;
  api.post_message(7, 70, "hello");     // message 1 in chat 7
  api.post_message(8, 80, "hi");        // message 1 in chat 8
  auto sent = call(api, "sendMessage",
                   {{"chat_id", 7},
                    {"text", "<b>answer</b>"},
                    {"parse_mode", "HTML"},
                    {"reply_parameters", {{"message_id", 1}}}});
  BOOST_TEST(sent.status == 200);
  BOOST_TEST(sent.body["result"]["message_id"] == 2);
  auto other = call(api, "sendMessage", {{"chat_id", 8}, {"text", "x"}});
  BOOST_TEST(other.body["result"]["message_id"] == 2);

  auto same = call(api, "editMessageText",
                   {{"chat_id", 7}, {"message_id", 2}, {"text", "<b>answer</b>"},
                    {"parse_mode", "HTML"}});
  BOOST_TEST(same.status == 400);
  BOOST_TEST(same.body["description"].get<std::string>().find(
               "message is not modified") != std::string::npos);
  BOOST_TEST(call(api, "editMessageText",
                  {{"chat_id", 7}, {"message_id", 2}, {"text", "v2"}})
               .status == 200);
  BOOST_TEST(call(api, "editMessageText",
                  {{"chat_id", 7}, {"message_id", 99}, {"text", "v2"}})
               .status == 400);
  BOOST_TEST(call(api, "sendChatAction", {{"chat_id", 7}, {"action", "typing"}})
               .status == 200);
  BOOST_TEST(call(api, "deleteMessage", {{"chat_id", 8}, {"message_id", 2}})
               .status == 200);
  BOOST_TEST(call(api, "deleteMessage", {{"chat_id", 8}, {"message_id", 2}})
               .status == 400);

  auto messages = api.messages(7);
  BOOST_REQUIRE_EQUAL(messages.size(), 1u);
  BOOST_TEST(messages[0].text == "v2");
  BOOST_TEST(messages[0].parse_mode.empty());
  BOOST_TEST((messages[0].edits == std::vector<std::string>{"<b>answer</b>"}));
  BOOST_TEST(messages[0].reply_to.value() == 1);
  BOOST_TEST(api.messages(8).at(0).deleted);
  BOOST_TEST((api.chat_actions(7) == std::vector<std::string>{"typing"}));
}

BOOST_AUTO_TEST_CASE(texts_are_validated_like_telegram) {
  loopback_bot_api api;
  api.open_chat(1);
  auto send = [&](const std::string& text, const std::string& mode = "") {
    json params = {{"chat_id", 1}, {"text", text}};
    if (!mode.empty())
      params["parse_mode"] = mode;
    return call(api, "sendMessage", params);
  };
  BOOST_TEST(send("").status == 400);
  BOOST_TEST(send(std::string(4097, 'a')).status == 400);
  std::string emoji;
  for (int i = 0; i < 2048; ++i)
    emoji += "\xF0\x9F\x98\x80"; // 4096 UTF-16 units
  BOOST_TEST(send(emoji).status == 200);
  BOOST_TEST(send(emoji + "a").status == 400);
  auto bad = send("<foo>x</foo>", "HTML");
  BOOST_TEST(bad.status == 400);
  BOOST_TEST(bad.body["description"].get<std::string>().find(
               "can't parse entities") != std::string::npos);
  BOOST_TEST(send("a < b", "HTML").status == 400);
  BOOST_TEST(send("<b>bold <i>both</i></b> &lt; &amp;", "HTML").status == 200);
  BOOST_TEST(call(api, "sendMessage", {{"chat_id", 404}, {"text", "x"}}).status ==
             400);
}

BOOST_AUTO_TEST_CASE(html_checks) {
  BOOST_TEST(!parse_html("<b>x</b> <a href=\"https://e\">l</a>").error);
  BOOST_TEST(parse_html("<b>x</b> &lt;y&gt;").plain == "x <y>");
  BOOST_TEST(parse_html("<b>x").error.has_value());
  BOOST_TEST(parse_html("<b><i>x</b></i>").error.has_value());
  BOOST_TEST(parse_html("x</b>").error.has_value());
  BOOST_TEST(parse_html("<script>").error.has_value());
  BOOST_TEST(parse_html("AT&T").error.has_value());
}

BOOST_AUTO_TEST_CASE(callbacks_are_answered_once) {
  loopback_bot_api api;
  api.open_chat(3);
  call(api, "sendMessage",
       {{"chat_id", 3}, {"text", "Approve?"},
        {"reply_markup", {{"inline_keyboard", {{{{"text", "Yes"}, {"callback_data", "y"}}}}}}}});
  const auto id = api.post_callback(3, 30, 1, "y");
  auto r = call(api, "getUpdates");
  const auto& query = r.body["result"][0]["callback_query"];
  BOOST_TEST(query["id"] == "cb-" + std::to_string(id));
  BOOST_TEST(query["data"] == "y");
  BOOST_TEST(query["message"]["text"] == "Approve?");
  BOOST_TEST(call(api, "answerCallbackQuery", {{"callback_query_id", query["id"]}})
               .status == 200);
  BOOST_TEST(call(api, "answerCallbackQuery", {{"callback_query_id", query["id"]}})
               .status == 400);
  BOOST_TEST(api.answered_callbacks().size() == 1u);
}

BOOST_AUTO_TEST_CASE(user_side_update_shapes) {
  loopback_bot_api_options options;
  options.dates_in_milliseconds = true;
  loopback_bot_api api{options};
  api.post_command(-5, 1, "/new@telclaude_test_bot now", "group");
  api.post_non_text(1, 1, "photo");
  api.post_edited_message(1, 1, 2, "edited");
  api.post_raw_update(R"({"update_id":{{update_id}},"message":"broken"})");
  auto r = call(api, "getUpdates");
  const auto& result = r.body["result"];
  BOOST_REQUIRE_EQUAL(result.size(), 4u);
  BOOST_TEST(result[0]["message"]["chat"]["type"] == "group");
  BOOST_TEST(result[0]["message"]["entities"][0]["length"] == 23);
  BOOST_TEST(result[0]["message"]["date"].get<std::int64_t>() > 100'000'000'000);
  BOOST_TEST(result[1]["message"]["photo"].is_array());
  BOOST_TEST(result[2]["edited_message"]["text"] == "edited");
  BOOST_TEST(result[3]["message"] == "broken");
  BOOST_TEST(result[3]["update_id"] == result[2]["update_id"].get<int>() + 1);
}

BOOST_AUTO_TEST_CASE(enforced_limits_answer_429_with_retry_after) {
  loopback_bot_api_options options;
  options.enforce_limits = true;
  options.group_chat = {3, 60s};
  loopback_bot_api api{options};
  api.open_chat(1);
  api.open_chat(-1, "group");
  BOOST_TEST(call(api, "sendMessage", {{"chat_id", 1}, {"text", "a"}}).status == 200);
  auto limited = call(api, "sendMessage", {{"chat_id", 1}, {"text", "b"}});
  BOOST_TEST(limited.status == 429);
  BOOST_TEST(limited.body["parameters"]["retry_after"] == 1);
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(call(api, "sendMessage", {{"chat_id", -1}, {"text", "g"}}).status ==
               200);
  auto group = call(api, "sendMessage", {{"chat_id", -1}, {"text", "g"}});
  BOOST_TEST(group.status == 429);
  BOOST_TEST(group.body["parameters"]["retry_after"].get<int>() > 50);
}

BOOST_AUTO_TEST_CASE(wrong_token_and_unknown_method) {
  loopback_bot_api api;
  BOOST_TEST(call(api, "getMe", json::object(), "1:wrong").status == 401);
  BOOST_TEST(call(api, "sendSticker").status == 404);
  auto me = call(api, "getMe");
  BOOST_TEST(me.body["result"]["username"] == "telclaude_test_bot");
  BOOST_TEST(me.body["result"]["id"] == 123456);
  BOOST_TEST(api.calls().size() == 3u);
  BOOST_TEST(api.calls("getMe").size() == 2u);
}

BOOST_AUTO_TEST_CASE(wait_for_messages_wakes_on_send) {
  loopback_bot_api api;
  api.open_chat(4);
  auto sender = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(100ms);
    call(api, "sendMessage", {{"chat_id", 4}, {"text", "late"}});
  });
  auto messages = api.wait_for_messages(4, 1, 5s);
  BOOST_REQUIRE_EQUAL(messages.size(), 1u);
  BOOST_TEST(messages[0].text == "late");
  sender.get();
  BOOST_TEST(api.wait_for_messages(4, 2, 50ms).size() == 1u);
}

BOOST_AUTO_TEST_CASE(destruction_releases_a_long_poll_in_flight) {
  auto api = std::make_unique<loopback_bot_api>();
  const auto port = api->port();
  const auto token = api->token();
  auto poll = std::async(std::launch::async, [port, token] {
    httplib::Client client{"127.0.0.1", port};
    client.set_read_timeout(60, 0);
    return client.Post("/bot" + token + "/getUpdates", R"({"timeout":30})",
                       "application/json");
  });
  while (api->get_updates_calls() < 1)
    std::this_thread::sleep_for(5ms);
  const auto start = steady_clock::now();
  api.reset();
  BOOST_TEST(seconds_since(start) < 3.0);
  BOOST_TEST((poll.wait_for(5s) == std::future_status::ready));
}
