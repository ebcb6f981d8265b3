#include "testing/bot_api_html.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace telclaude::testing {

namespace {

constexpr std::array<std::string_view, 16> supported_tags = {
  "b",    "strong", "i",          "em", "u",    "ins", "s",          "strike",
  "del",  "span",   "tg-spoiler", "a",  "code", "pre", "blockquote", "tg-emoji",
};

std::string lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

std::string at_offset(std::size_t offset) {
  return " at byte offset " + std::to_string(offset);
}

/// Decodes the entity starting at text[i] == '&'; nullopt when unknown.
std::optional<std::pair<std::string, std::size_t>>
decode_entity(std::string_view text, std::size_t i) {
  auto end = text.find(';', i);
  if (end == std::string_view::npos || end - i > 10)
    return std::nullopt;
  auto name = text.substr(i + 1, end - i - 1);
  const std::size_t size = end - i + 1;
  if (name == "lt")
    return std::pair{std::string{"<"}, size};
  if (name == "gt")
    return std::pair{std::string{">"}, size};
  if (name == "amp")
    return std::pair{std::string{"&"}, size};
  if (name == "quot")
    return std::pair{std::string{"\""}, size};
  if (name.size() > 1 && name[0] == '#' &&
      std::all_of(name.begin() + 1, name.end(),
                  [](unsigned char c) { return std::isxdigit(c) || c == 'x'; }))
    return std::pair{std::string{"?"}, size}; // one character is all we count
  return std::nullopt;
}

} // namespace

html_parse parse_html(std::string_view text) {
  html_parse result;
  std::vector<std::string> open;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '&') {
      if (auto entity = decode_entity(text, i)) {
        result.plain += entity->first;
        i += entity->second;
        continue;
      }
      result.error = "Character entity expected" + at_offset(i);
      return result;
    }
    if (c != '<') {
      result.plain += c;
      ++i;
      continue;
    }
    auto close = text.find('>', i);
    if (close == std::string_view::npos) {
      result.error = "Unclosed start tag" + at_offset(i);
      return result;
    }
    auto inside = text.substr(i + 1, close - i - 1);
    const bool end_tag = !inside.empty() && inside.front() == '/';
    if (end_tag)
      inside.remove_prefix(1);
    auto name = lower(inside.substr(0, inside.find_first_of(" \t\n=/")));
    if (end_tag) {
      if (open.empty()) {
        result.error = "Unexpected end tag" + at_offset(i);
        return result;
      }
      if (!name.empty() && name != open.back()) {
        result.error = "Unmatched end tag" + at_offset(i) + ", expected \"</" +
                       open.back() + ">\", found \"</" + name + ">\"";
        return result;
      }
      open.pop_back();
    } else {
      if (std::find(supported_tags.begin(), supported_tags.end(), name) ==
          supported_tags.end()) {
        result.error = "Unsupported start tag \"" + name + "\"" + at_offset(i);
        return result;
      }
      open.push_back(name);
    }
    i = close + 1;
  }
  if (!open.empty())
    result.error =
      "Can't find end tag corresponding to start tag \"" + open.back() + "\"";
  return result;
}

} // namespace telclaude::testing
