#define BOOST_TEST_MODULE fake_messages_api
#include <boost/test/unit_test.hpp>

#include "testing/fake_messages_api.hpp"

#include <httplib.h>

using telclaude::testing::fake_messages_api;
using namespace std::chrono_literals;

namespace {

const char* two_turns = R"({"model":"claude-x","stream":true,"messages":[
  {"role":"user","content":"first"},
  {"role":"assistant","content":[{"type":"text","text":"ok"}]},
  {"role":"user","content":[{"type":"text","text":"<system-reminder>x"},
                            {"type":"text","text":"second"}]},
  {"role":"user","content":[{"type":"tool_result","tool_use_id":"t"}]},
  {"role":"system","content":[{"type":"text","text":"env"}]}]})";

httplib::Result post(fake_messages_api& api, const char* body) {
  httplib::Client client{"127.0.0.1", api.port()};
  return client.Post("/v1/messages?beta=true", body, "application/json");
}

} // namespace

BOOST_AUTO_TEST_CASE(default_reply_counts_user_turns) {
  fake_messages_api api;
  auto res = post(api, two_turns);
  BOOST_REQUIRE(res);
  BOOST_TEST(res->status == 200);
  BOOST_TEST(res->get_header_value("Content-Type") == "text/event-stream");
  const auto& body = res->body;
  std::size_t at = 0;
  for (const char* event :
       {"event: message_start", "event: content_block_start",
        "event: content_block_delta", "event: content_block_stop",
        "event: message_delta", "event: message_stop"}) {
    auto next = body.find(event, at);
    BOOST_TEST_REQUIRE(next != std::string::npos, event);
    at = next;
  }
  BOOST_TEST(body.find(R"("text":"Reply to turn 2: second")")
             != std::string::npos);
  BOOST_TEST(body.find(R"("model":"claude-x")") != std::string::npos);
  BOOST_TEST(api.request_count() == 1u);
  auto last = api.last_request();
  BOOST_TEST(last.path == "/v1/messages?beta=true");
  BOOST_TEST(last.user_turns == 2u);
  BOOST_TEST(last.last_user_text == "second");
}

BOOST_AUTO_TEST_CASE(scripted_replies_in_order) {
  fake_messages_api api;
  api.push_tool_use("Write", R"({"file_path":"/w/a.txt"})");
  api.push_error(429, "slow down");
  api.push_text("scripted", 50ms);
  auto tool = post(api, two_turns);
  BOOST_TEST(tool->body.find(R"("name":"Write")") != std::string::npos);
  BOOST_TEST(tool->body.find("input_json_delta") != std::string::npos);
  BOOST_TEST(tool->body.find(R"("stop_reason":"tool_use")")
             != std::string::npos);
  auto error = post(api, two_turns);
  BOOST_TEST(error->status == 429);
  BOOST_TEST(error->body.find("slow down") != std::string::npos);
  auto start = std::chrono::steady_clock::now();
  auto text = post(api, two_turns);
  BOOST_TEST((std::chrono::steady_clock::now() - start >= 50ms));
  BOOST_TEST(text->body.find(R"("text":"scripted")") != std::string::npos);
  BOOST_TEST(post(api, two_turns)->body.find("Reply to turn 2")
             != std::string::npos);
  BOOST_TEST(api.request_count() == 4u);
  BOOST_TEST(api.requests().size() == 4u);  // an error answer counts once
}

BOOST_AUTO_TEST_CASE(other_paths_are_recorded_and_refused) {
  fake_messages_api api;
  httplib::Client client{"127.0.0.1", api.port()};
  auto res = client.Get("/v1/models");
  BOOST_TEST(res->status == 404);
  BOOST_TEST(api.request_count() == 0u);
  BOOST_REQUIRE_EQUAL(api.requests().size(), 1u);
  BOOST_TEST(api.requests()[0].path == "/v1/models");
}

BOOST_AUTO_TEST_CASE(a_pending_delay_does_not_hold_up_shutdown) {
  auto start = std::chrono::steady_clock::now();
  std::thread client;
  {
    fake_messages_api api;
    api.push_text("late", 30s);
    client = std::thread{[port = api.port()] {
      httplib::Client http{"127.0.0.1", port};
      http.Post("/v1/messages", two_turns, "application/json");
    }};
    while (api.request_count() == 0)
      std::this_thread::sleep_for(5ms);
  }
  BOOST_TEST((std::chrono::steady_clock::now() - start < 10s));
  client.join();
}
