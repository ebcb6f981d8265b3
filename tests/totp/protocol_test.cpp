#define BOOST_TEST_MODULE protocol
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "totp/protocol.hpp"

using namespace telclaude::totp;

namespace {

/// The error code of parsing `body`, or "" when it parsed.
std::string error_of(std::string_view body) {
  auto r = parse_request(body);
  if (auto* e = std::get_if<protocol_error>(&r))
    return e->code;
  return "";
}

request parsed(std::string_view body) {
  auto r = parse_request(body);
  if (auto* e = std::get_if<protocol_error>(&r))
    BOOST_FAIL(std::string{body} + ": " + e->message);
  return std::get<request>(r);
}

std::string length_prefix(std::uint32_t n) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((n >> shift) & 0xff);
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(frames_are_a_big_endian_length_and_the_body) {
  BOOST_TEST(encode_frame("{}") == std::string("\0\0\0\2{}", 6));
  std::string big(300, 'x');
  BOOST_TEST(encode_frame(big).substr(0, 4) == std::string("\0\0\1\x2c", 4));
}

BOOST_AUTO_TEST_CASE(the_decoder_takes_bytes_in_any_pieces) {
  auto stream = encode_frame("{\"op\":\"ping\"}") + encode_frame("second");
  frame_decoder d;
  std::vector<std::string> frames;
  for (char c : stream) {
    d.feed(std::string_view{&c, 1});
    while (auto f = d.next())
      frames.push_back(*f);
  }
  BOOST_REQUIRE_EQUAL(frames.size(), 2u);
  BOOST_TEST(frames[0] == "{\"op\":\"ping\"}");
  BOOST_TEST(frames[1] == "second");
  BOOST_TEST(!d.partial());
}

BOOST_AUTO_TEST_CASE(the_decoder_knows_a_cut_frame) {
  frame_decoder d;
  d.feed(encode_frame("abcdef").substr(0, 7));
  BOOST_TEST(!d.next());
  BOOST_TEST(d.partial());
  BOOST_TEST((d.error() == frame_decoder::failure::none));
}

BOOST_AUTO_TEST_CASE(the_decoder_refuses_empty_and_oversized_frames) {
  frame_decoder empty;
  empty.feed(length_prefix(0) + "xyz");
  BOOST_TEST(!empty.next());
  BOOST_TEST((empty.error() == frame_decoder::failure::empty));
  frame_decoder big;
  big.feed(length_prefix(65537));
  BOOST_TEST(!big.next());
  BOOST_TEST((big.error() == frame_decoder::failure::too_large));
  frame_decoder huge;
  huge.feed(std::string(4, '\xff'));
  BOOST_TEST((huge.next(), huge.error() == frame_decoder::failure::too_large));
  frame_decoder limit;
  limit.feed(encode_frame(std::string(65536, ' ')));
  BOOST_TEST(limit.next().has_value());
}

BOOST_AUTO_TEST_CASE(well_formed_requests_parse) {
  BOOST_TEST(std::holds_alternative<ping_request>(parsed(R"({"op":"ping"})")));
  auto s = std::get<status_request>(parsed(R"({"op":"status","user":42})"));
  BOOST_TEST(s.user == 42);
  auto u = std::get<setup_request>(parsed(
    R"({"user":9007199254740993,"op":"setup","account":"tg:1","issuer":"telclaude"})"));
  BOOST_TEST(u.user == 9007199254740993);
  BOOST_TEST(u.account == "tg:1");
  BOOST_TEST(u.issuer == "telclaude");
  auto v = std::get<verify_request>(
    parsed(R"( {"op":"verify","user":7,"code":"012345"} )"));
  BOOST_TEST(v.code == "012345");
  auto d = std::get<disable_request>(
    parsed(R"({"op":"disable","user":7,"code":"999999"})"));
  BOOST_TEST(d.user == 7);
}

BOOST_AUTO_TEST_CASE(encoded_requests_parse_back) {
  for (request r : {request{ping_request{}}, request{status_request{3}},
                    request{setup_request{3, "tg:3", "tel claude"}},
                    request{verify_request{3, "123456"}},
                    request{disable_request{3, "654321"}}}) {
    auto back = parsed(encode_request(r));
    BOOST_TEST(back.index() == r.index());
  }
}

BOOST_AUTO_TEST_CASE(a_battery_of_malformed_bodies_is_refused) {
  struct row {
    std::string body;
    const char* code;
  };
  std::vector<row> rows = {
    {"", "bad_json"},
    {"not json", "bad_json"},
    {"{\"op\":\"ping\"", "bad_json"},
    {"{\"op\":\"ping\"} trailing", "bad_json"},
    {"{\"op\":\"ping\",}", "bad_json"},
    {"{\"op\":\"p\xffing\"}", "bad_json"},  // invalid UTF-8
    {"{\"op\":\"\xc3\"}", "bad_json"},      // cut UTF-8 sequence
    {"[\"ping\"]", "bad_request"},
    {"\"ping\"", "bad_request"},
    {"42", "bad_request"},
    {"null", "bad_request"},
    {"{}", "bad_request"},
    {"{\"op\":null}", "bad_request"},
    {"{\"op\":1}", "bad_request"},
    {"{\"op\":\"PING\"}", "bad_request"},
    {"{\"op\":\"reset\"}", "bad_request"},
    {"{\"op\":\"ping\",\"op\":\"ping\"}", "bad_request"},
    {"{\"op\":\"ping\",\"user\":1}", "bad_request"},
    {"{\"op\":\"status\"}", "bad_request"},
    {"{\"op\":\"status\",\"user\":\"42\"}", "bad_request"},
    {"{\"op\":\"status\",\"user\":42.0}", "bad_request"},
    {"{\"op\":\"status\",\"user\":4.2e1}", "bad_request"},
    {"{\"op\":\"status\",\"user\":0}", "bad_request"},
    {"{\"op\":\"status\",\"user\":-5}", "bad_request"},
    {"{\"op\":\"status\",\"user\":true}", "bad_request"},
    {"{\"op\":\"status\",\"user\":[1]}", "bad_request"},
    {"{\"op\":\"status\",\"user\":9223372036854775808}", "bad_request"},
    {"{\"op\":\"status\",\"user\":18446744073709551615}", "bad_request"},
    // Past 64 bits simdjson cannot read the number at all.
    {"{\"op\":\"status\",\"user\":99999999999999999999999}", "bad_json"},
    {"{\"op\":\"status\",\"user\":1e400}", "bad_json"},
    {"{\"op\":\"status\",\"user\":1,\"extra\":1}", "bad_request"},
    {"{\"op\":\"verify\",\"user\":1}", "bad_request"},
    {"{\"op\":\"verify\",\"user\":1,\"code\":123456}", "bad_request"},
    {"{\"op\":\"verify\",\"user\":1,\"code\":\"12345\"}", "bad_request"},
    {"{\"op\":\"verify\",\"user\":1,\"code\":\"1234567\"}", "bad_request"},
    {"{\"op\":\"verify\",\"user\":1,\"code\":\"12345a\"}", "bad_request"},
    {"{\"op\":\"verify\",\"user\":1,\"code\":\"\\uff11\\uff12\\uff13\\uff14"
     "\\uff15\\uff16\"}",
     "bad_request"},
    {"{\"op\":\"disable\",\"user\":1,\"code\":null}", "bad_request"},
    {"{\"op\":\"setup\",\"user\":1,\"account\":\"tg:1\"}", "bad_request"},
    {"{\"op\":\"setup\",\"user\":1,\"account\":\"\",\"issuer\":\"x\"}",
     "bad_request"},
    {"{\"op\":\"setup\",\"user\":1,\"account\":\"" + std::string(129, 'a')
       + "\",\"issuer\":\"x\"}",
     "bad_request"},
    {"{\"op\":\"setup\",\"user\":1,\"account\":\"a\",\"issuer\":{}}",
     "bad_request"},
    {std::string(10000, '[') + std::string(10000, ']'), "bad_json"},
  };
  for (const auto& [body, code] : rows)
    BOOST_TEST(error_of(body) == code, body.substr(0, 80));
}

BOOST_AUTO_TEST_CASE(error_messages_do_not_repeat_the_values) {
  auto r = parse_request(R"({"op":"verify","user":1,"code":"98765x"})");
  BOOST_REQUIRE(std::holds_alternative<protocol_error>(r));
  BOOST_TEST(std::get<protocol_error>(r).message.find("98765")
             == std::string::npos);
}

BOOST_AUTO_TEST_CASE(responses_have_the_documented_shapes) {
  using nlohmann::json;
  BOOST_TEST(json::parse(ok_response()) == json({{"ok", true}}));
  BOOST_TEST(json::parse(status_response({true, false}))
             == json({{"ok", true}, {"enabled", true}, {"pending", false}}));
  BOOST_TEST(json::parse(setup_response("otpauth://x"))
             == json({{"ok", true}, {"uri", "otpauth://x"}}));
  BOOST_TEST(json::parse(check_response({verdict::ok, std::nullopt}))
             == json({{"ok", true}, {"valid", true}, {"reason", "ok"}}));
  BOOST_TEST(json::parse(check_response({verdict::locked, 120}))
             == json({{"ok", true},
                      {"valid", false},
                      {"reason", "locked"},
                      {"retry_after_s", 120}}));
  BOOST_TEST(json::parse(error_response({"bad_json", "why"}))
             == json({{"ok", false}, {"error", "bad_json"}, {"message", "why"}}));
}
