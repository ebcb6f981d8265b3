#define BOOST_TEST_MODULE markdown_html
#include <boost/test/unit_test.hpp>

#include "telegram/markdown_html.hpp"
#include "testing/bot_api_html.hpp"

#include <string>
#include <vector>

using namespace telclaude::telegram;

namespace {

struct row {
  std::string markdown;
  std::string html;
};

// Each input with the exact HTML Telegram gets.
const std::vector<row> table = {
  {"plain text", "plain text"},
  {"a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"},
  {"**bold** and *it* and _it_", "<b>bold</b> and <i>it</i> and <i>it</i>"},
  {"~~gone~~", "<s>gone</s>"},
  {"`x < y`", "<code>x &lt; y</code>"},
  {"`` a ` b ``", "<code> a ` b </code>"},
  {"```cpp\nint main() { return a<b; }\n```",
   "<pre><code class=\"language-cpp\">int main() { return a&lt;b; }"
   "</code></pre>"},
  {"```\nno lang & co\n```", "<pre>no lang &amp; co</pre>"},
  {"```python\nprint(1)\nstill code **not bold**",
   "<pre><code class=\"language-python\">print(1)\nstill code **not bold**"
   "</code></pre>"},
  {"```js\"><script>\nx\n```",
   "<pre><code class=\"language-jsscript\">x</code></pre>"},
  {"**unclosed bold", "**unclosed bold"},
  {"stray * star and _ under", "stray * star and _ under"},
  {"snake_case_name stays", "snake_case_name stays"},
  {"**bold *nested it* bold**", "<b>bold <i>nested it</i> bold</b>"},
  {"*it **bold** it*", "<i>it <b>bold</b> it</i>"},
  {"**a `b** c`", "<b>a `b</b> c`"},
  {"[site](https://example.com/?a=1&b=2)",
   "<a href=\"https://example.com/?a=1&amp;b=2\">site</a>"},
  {"[q](https://x.y/\"z\")", "[q](https://x.y/\"z\")"},
  {"[bad](javascript:alert(1))", "[bad](javascript:alert(1))"},
  {"[**b**](http://x.y)", "<a href=\"http://x.y\"><b>b</b></a>"},
  {"# Title\n## Sub *x*", "<b>Title</b>\n<b>Sub <i>x</i></b>"},
  {"- one\n* two\n  + three", "• one\n• two\n  • three"},
  {"1. first\n2. second", "1. first\n2. second"},
  {"> quoted <tag>\n> more\nafter",
   "<blockquote>quoted &lt;tag&gt;\nmore</blockquote>\nafter"},
  {"emoji 😀 and 𝔸 **bold 😀**", "emoji 😀 and 𝔸 <b>bold 😀</b>"},
  {"\\*not italic\\*", "*not italic*"},
  {"a\r\nb", "a\nb"},
  {"bad \xff utf8", "bad \xef\xbf\xbd utf8"},
  {"", ""},
};

} // namespace

BOOST_AUTO_TEST_CASE(tricky_inputs_give_exact_html) {
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT("markdown: " << r.markdown) {
      const auto html = markdown_to_html(r.markdown);
      BOOST_TEST(html == r.html);
      BOOST_TEST(!telclaude::testing::parse_html(html).error.has_value());
    }
  }
}

BOOST_AUTO_TEST_CASE(garbage_never_gives_invalid_html) {
  const std::vector<std::string> inputs = {
    "**_~~`", "*_*_*_", "```", "``` ```", "[a](http://x", "[](http://x)",
    "> **open\n> close**", "__**x__**", "<b>raw</b> & &amp;", "***x***",
    "# ", ">", "- ", "* * *", "~~~\ncode", "`````", "_a_b_c_",
  };
  for (const auto& in : inputs) {
    BOOST_TEST_CONTEXT("markdown: " << in) {
      auto check = telclaude::testing::parse_html(markdown_to_html(in));
      BOOST_TEST(!check.error.has_value());
    }
  }
}

BOOST_AUTO_TEST_CASE(plain_of_html_is_what_users_see) {
  BOOST_TEST(html_to_plain("<b>a &lt; b</b> &amp; <i>c</i>") == "a < b & c");
  BOOST_TEST(html_visible_utf16("<b>😀&amp;</b>") == 3u);
}

BOOST_AUTO_TEST_CASE(split_closes_and_reopens_tags) {
  const auto parts = split_html("<b>aaaa bbbb</b>", 6);
  BOOST_TEST_REQUIRE(parts.size() == 2u);
  BOOST_TEST(parts[0] == "<b>aaaa</b>");
  BOOST_TEST(parts[1] == "<b>bbbb</b>");
}

BOOST_AUTO_TEST_CASE(split_prefers_line_breaks_and_keeps_languages) {
  std::string md = "```cpp\n";
  for (int i = 0; i < 400; ++i)
    md += "int x" + std::to_string(i) + " = a < b;\n";
  md += "```\nafter **the** block";
  const auto parts = split_html(markdown_to_html(md), 4096);
  BOOST_TEST_REQUIRE(parts.size() >= 2u);
  std::string plain;
  for (const auto& p : parts) {
    BOOST_TEST(html_visible_utf16(p) <= 4096u);
    BOOST_TEST(!telclaude::testing::parse_html(p).error.has_value());
    const bool opens = p.starts_with("<pre><code class=\"language-cpp\">") ||
                       p.starts_with("after");
    BOOST_TEST(opens);
    if (!plain.empty())
      plain += '\n';
    plain += html_to_plain(p);
  }
  // Cut at line breaks: only the break at each cut is dropped.
  BOOST_TEST(plain == html_to_plain(markdown_to_html(md)));
}

BOOST_AUTO_TEST_CASE(split_counts_utf16_and_never_cuts_a_code_point) {
  std::string text;
  for (int i = 0; i < 3000; ++i)
    text += "😀";
  const auto parts = split_html(escape_html(text), 4096);
  BOOST_TEST_REQUIRE(parts.size() == 2u);
  BOOST_TEST(html_visible_utf16(parts[0]) == 4096u);
  BOOST_TEST(html_visible_utf16(parts[1]) == 6000u - 4096u);
  BOOST_TEST(parts[0] + parts[1] == text);
}

BOOST_AUTO_TEST_CASE(split_of_nothing_is_nothing) {
  BOOST_TEST(split_html("").empty());
  BOOST_TEST(split_html("<b></b>").empty());
}
