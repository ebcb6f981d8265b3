#define BOOST_TEST_MODULE turn_reply
#include <boost/test/unit_test.hpp>

#include "telegram/markdown_html.hpp"
#include "telegram/turn_reply.hpp"

using namespace telclaude::telegram;

BOOST_AUTO_TEST_CASE(nothing_to_show_before_text_or_progress) {
  turn_reply r{5};
  BOOST_TEST(r.parts() == 0u);
  r.append("");
  BOOST_TEST(r.parts() == 0u);
}

BOOST_AUTO_TEST_CASE(preview_has_text_progress_and_stop) {
  turn_reply r{5, 2};
  r.append("Hi *there*");
  r.progress("Reading a.cpp");
  r.progress("Reading b.cpp");
  r.progress("Running: make <all>");
  BOOST_TEST_REQUIRE(r.parts() == 1u);
  auto m = r.render(0);
  BOOST_TEST(m.parse_mode == "HTML");
  BOOST_TEST(m.text == "Hi <i>there</i>\n\n<i>Reading b.cpp</i>\n"
                       "<i>Running: make &lt;all&gt;</i>");
  BOOST_TEST_REQUIRE(m.markup.has_value());
  BOOST_TEST((*m.markup)["inline_keyboard"][0][0]["callback_data"] ==
             "stop:5");
}

BOOST_AUTO_TEST_CASE(final_drops_progress_and_button) {
  turn_reply r{1};
  r.append("done\n\n");
  r.progress("Reading x");
  r.end();
  auto m = r.render(0);
  BOOST_TEST(m.text == "done");
  BOOST_TEST(!m.markup.has_value());
}

BOOST_AUTO_TEST_CASE(empty_final_says_so) {
  turn_reply r{1};
  r.progress("Reading x");
  BOOST_TEST(r.parts() == 1u);
  BOOST_TEST(r.render(0).text == "<i>Reading x</i>");
  r.end();
  BOOST_TEST_REQUIRE(r.parts() == 1u);
  BOOST_TEST(r.render(0).text == "(The agent finished without a reply.)");
}

BOOST_AUTO_TEST_CASE(past_the_limit_earlier_parts_are_final) {
  turn_reply r{9, 3, 100};
  for (int i = 0; i < 30; ++i)
    r.append("word" + std::to_string(i) + " ");
  BOOST_TEST_REQUIRE(r.parts() >= 2u);
  BOOST_TEST(!r.render(0).markup.has_value());
  BOOST_TEST(r.render(r.parts() - 1).markup.has_value());
  for (std::size_t i = 0; i < r.parts(); ++i)
    BOOST_TEST(html_visible_utf16(r.render(i).text) <= 100u);
}

BOOST_AUTO_TEST_CASE(plain_rendering_decodes_html) {
  turn_reply r{1};
  r.append("**a** < b");
  r.end();
  auto m = r.render_plain(0);
  BOOST_TEST(m.text == "a < b");
  BOOST_TEST(m.parse_mode.empty());
}
