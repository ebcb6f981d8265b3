#define BOOST_TEST_MODULE message_splitter
#include <boost/test/unit_test.hpp>

#include "telegram/message_splitter.hpp"

#include <random>
#include <string>

using namespace telclaude::telegram;

namespace {

/// True when `text` is valid UTF-8 (what sanitize_utf8 leaves unchanged).
bool valid_utf8(const std::string& text) {
  return sanitize_utf8(text) == text;
}

std::string repeat(std::string_view piece, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += piece;
  return out;
}

std::string without_blanks(std::string_view text) {
  std::string out;
  for (char c : text)
    if (c != ' ' && c != '\n' && c != '\t')
      out += c;
  return out;
}

/// Counts lines that open or close a ``` block.
std::size_t fence_lines(const std::string& part) {
  std::size_t count = 0, begin = 0;
  while (begin <= part.size()) {
    auto end = part.find('\n', begin);
    if (end == std::string::npos)
      end = part.size();
    if (part.compare(begin, 3, "```") == 0)
      ++count;
    begin = end + 1;
  }
  return count;
}

void check_parts(const std::vector<std::string>& parts, std::size_t max) {
  for (const auto& part : parts) {
    BOOST_TEST(!part.empty());
    BOOST_TEST(utf16_length(part) <= max);
    BOOST_TEST(valid_utf8(part));
  }
}

} // namespace

BOOST_AUTO_TEST_CASE(utf16_length_counts_astral_code_points_twice) {
  BOOST_TEST(utf16_length("") == 0u);
  BOOST_TEST(utf16_length("abc") == 3u);
  BOOST_TEST(utf16_length("é") == 1u);         // 2 bytes
  BOOST_TEST(utf16_length("日本語") == 3u);     // 3 bytes each
  BOOST_TEST(utf16_length("😀") == 2u);         // U+1F600, 4 bytes
  BOOST_TEST(utf16_length("𝄞") == 2u);          // U+1D11E
  BOOST_TEST(utf16_length("👩‍💻") == 5u);        // woman, ZWJ, laptop
  BOOST_TEST(utf16_length("a\xFF" "b") == 3u);  // invalid byte counts one
  BOOST_TEST(utf16_length("\xE6\x97") == 2u);   // truncated sequence
}

BOOST_AUTO_TEST_CASE(sanitize_replaces_invalid_sequences) {
  BOOST_TEST(sanitize_utf8("ok 😀") == "ok 😀");
  BOOST_TEST(sanitize_utf8("a\xFF") == "a\xEF\xBF\xBD");
  BOOST_TEST(sanitize_utf8("\xED\xA0\x80") ==  // a UTF-8-encoded surrogate
             "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  BOOST_TEST(sanitize_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");
}

BOOST_AUTO_TEST_CASE(short_and_empty_texts) {
  BOOST_TEST(split_message("").empty());
  auto parts = split_message("hello");
  BOOST_REQUIRE_EQUAL(parts.size(), 1u);
  BOOST_TEST(parts[0] == "hello");
}

BOOST_AUTO_TEST_CASE(exactly_at_the_limit_is_one_part) {
  auto text = repeat("a", 4096);
  BOOST_TEST(split_message(text).size() == 1u);
  auto emoji = repeat("😀", 2048); // 4096 units
  BOOST_TEST(split_message(emoji).size() == 1u);
  BOOST_TEST(split_message(emoji + "a").size() == 2u);
  BOOST_TEST(split_message(text + "b").size() == 2u);
}

BOOST_AUTO_TEST_CASE(splits_at_paragraphs_first) {
  const std::string first = repeat("word ", 500);   // 2500 units
  const std::string second = repeat("next ", 500);
  auto parts = split_message(first + "\n\n" + second);
  BOOST_REQUIRE_EQUAL(parts.size(), 2u);
  BOOST_TEST(parts[0] == first);
  BOOST_TEST(parts[1] == second);
}

BOOST_AUTO_TEST_CASE(splits_at_lines_when_there_is_no_paragraph) {
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += "line " + std::to_string(i) + " " + repeat("x", 40) + "\n";
  auto parts = split_message(text, 1000);
  BOOST_TEST(parts.size() > 1u);
  check_parts(parts, 1000);
  for (const auto& part : parts) {
    BOOST_TEST(part.compare(0, 5, "line ") == 0);
    BOOST_TEST(part.back() == 'x');
  }
}

BOOST_AUTO_TEST_CASE(splits_a_long_line_between_words) {
  const std::string text = repeat("alpha beta gamma ", 600);
  auto parts = split_message(text);
  BOOST_TEST(parts.size() == 3u);
  check_parts(parts, 4096);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i)
    BOOST_TEST(parts[i].back() == ' ');
  std::string joined;
  for (const auto& part : parts)
    joined += part;
  BOOST_TEST(joined == text);
}

BOOST_AUTO_TEST_CASE(never_splits_a_surrogate_pair_or_cjk_character) {
  for (std::size_t max : {5u, 7u, 99u, 4095u}) {
    auto parts = split_message(repeat("😀", 5000), max);
    check_parts(parts, max);
    std::string joined;
    for (const auto& part : parts)
      joined += part;
    BOOST_TEST(joined == repeat("😀", 5000));
  }
  auto cjk = split_message(repeat("漢字かな", 3000));
  check_parts(cjk, 4096);
  BOOST_TEST(cjk.size() == 3u);
}

BOOST_AUTO_TEST_CASE(keeps_emoji_sequences_together_when_it_can) {
  // "👩‍💻" is 5 units; a cut between its parts would leave a stray ZWJ.
  const std::string dev = "👩‍💻";
  auto parts = split_message(repeat(dev, 100), 12);
  for (const auto& part : parts)
    BOOST_TEST(part.size() % dev.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_long_code_block_is_closed_and_reopened) {
  std::string code;
  for (int i = 0; i < 500; ++i)
    code += "    value_" + std::to_string(i) + " = compute(" +
            std::to_string(i) + ");\n";
  const std::string text = "Here:\n\n```python\n" + code + "```\nDone.";
  BOOST_REQUIRE(utf16_length(code) > 10000);
  auto parts = split_message(text);
  BOOST_TEST(parts.size() >= 4u);
  check_parts(parts, 4096);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    BOOST_TEST(fence_lines(parts[i]) % 2 == 0u, "part " << i);
    if (i > 0 && parts[i].find("value_") != std::string::npos)
      BOOST_TEST(parts[i].compare(0, 10, "```python\n") == 0);
  }
  BOOST_TEST(parts.front().compare(0, 5, "Here:") == 0);
  BOOST_TEST(parts.back().substr(parts.back().size() - 5) == "Done.");
}

BOOST_AUTO_TEST_CASE(a_code_block_of_one_10000_char_line) {
  const std::string text = "```\n" + repeat("x", 10000) + "\n```";
  auto parts = split_message(text);
  BOOST_TEST(parts.size() == 3u);
  check_parts(parts, 4096);
  std::string content;
  for (const auto& part : parts) {
    BOOST_TEST(part.compare(0, 4, "```\n") == 0);
    BOOST_TEST(part.substr(part.size() - 4) == "\n```");
    content += part.substr(4, part.size() - 8);
  }
  BOOST_TEST(content == repeat("x", 10000));
}

BOOST_AUTO_TEST_CASE(a_code_block_that_fits_moves_whole_to_the_next_part) {
  const std::string prose = repeat("p", 3000);
  const std::string block = "```js\n" + repeat("let a = 1;\n", 200) + "```";
  auto parts = split_message(prose + "\n" + block);
  BOOST_REQUIRE_EQUAL(parts.size(), 2u);
  BOOST_TEST(parts[0] == prose);
  BOOST_TEST(parts[1] == block);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_never_crashes) {
  std::string text;
  for (int i = 0; i < 9000; ++i)
    text += static_cast<char>(0x80 + i % 0x7F);
  auto parts = split_message(text);
  check_parts(parts, 4096);
  BOOST_TEST(parts.size() == 3u);
}

BOOST_AUTO_TEST_CASE(property_no_part_over_the_limit) {
  const std::vector<std::string> pieces = {
    "a", "word", " ", " ", "\n", "\n\n", "😀", "漢", "é", "👩‍💻", "```",
    "```python\n", "\n```\n", "\xFF", "\xE2\x82", "\t", "`", "x\u0301"};
  std::mt19937 random{20240601};
  for (int round = 0; round < 300; ++round) {
    const std::size_t max = std::uniform_int_distribution<std::size_t>{
      1, round % 3 == 0 ? 100u : 4096u}(random);
    const std::size_t count =
      std::uniform_int_distribution<std::size_t>{0, 3000}(random);
    std::string text;
    for (std::size_t i = 0; i < count; ++i)
      text += pieces[random() % pieces.size()];
    auto parts = split_message(text, max);
    for (const auto& part : parts) {
      BOOST_REQUIRE_MESSAGE(utf16_length(part) <= std::max<std::size_t>(max, 2),
                            "round " << round << " max " << max);
      BOOST_REQUIRE(valid_utf8(part));
      BOOST_REQUIRE(!part.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(property_code_blocks_stay_balanced) {
  const std::vector<std::string> prose = {"", "Some prose here.", "😀 漢字",
                                          repeat("long line ", 30)};
  const std::vector<std::string> code = {"", "x = 1", "    indented();",
                                         repeat("y", 300), "// 😀 漢字"};
  std::mt19937 random{99};
  for (int round = 0; round < 200; ++round) {
    const std::size_t max =
      std::uniform_int_distribution<std::size_t>{80, 1500}(random);
    std::string text, kept;
    bool in_code = false;
    for (int i = 0; i < 400; ++i) {
      std::string line;
      if (random() % 15 == 0) {
        line = in_code ? "```" : (random() % 2 ? "```cpp" : "```");
        in_code = !in_code;
      } else {
        const auto& from = in_code ? code : prose;
        line = from[random() % from.size()];
        kept += line;
      }
      text += line + "\n";
    }
    std::string joined;
    for (const auto& part : split_message(text, max)) {
      BOOST_REQUIRE(utf16_length(part) <= max);
      BOOST_REQUIRE_MESSAGE(fence_lines(part) % 2 == 0,
                            "round " << round << " part:\n" << part);
      std::size_t begin = 0;
      while (begin < part.size()) {
        auto end = std::min(part.find('\n', begin), part.size());
        if (part.compare(begin, 3, "```") != 0)
          joined += part.substr(begin, end - begin);
        begin = end + 1;
      }
    }
    BOOST_REQUIRE_MESSAGE(without_blanks(joined) == without_blanks(kept),
                          "round " << round);
  }
}

BOOST_AUTO_TEST_CASE(property_plain_text_loses_nothing_but_blanks) {
  const std::vector<std::string> pieces = {"ab", "word", " ", "\n", "\n\n",
                                           "😀", "漢字", "ü"};
  std::mt19937 random{7};
  for (int round = 0; round < 200; ++round) {
    const std::size_t max =
      std::uniform_int_distribution<std::size_t>{2, 500}(random);
    std::string text;
    for (int i = 0; i < 1500; ++i)
      text += pieces[random() % pieces.size()];
    std::string joined;
    for (const auto& part : split_message(text, max)) {
      BOOST_REQUIRE(utf16_length(part) <= max);
      joined += part;
    }
    BOOST_REQUIRE_MESSAGE(without_blanks(joined) == without_blanks(text),
                          "round " << round << " max " << max);
  }
}
