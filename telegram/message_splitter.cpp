#include "telegram/message_splitter.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace telclaude::telegram {

namespace {

/// One decoded code point: where it starts, how many bytes it spans.
struct code_point {
  char32_t value = 0;
  std::size_t size = 1;
  bool valid = false;
};

constexpr char32_t replacement = 0xFFFD;

code_point decode(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(s[k]);
  };
  const unsigned char lead = byte(i);
  if (lead < 0x80)
    return {lead, 1, true};
  std::size_t size = 0;
  char32_t value = 0;
  char32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    size = 2, value = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    size = 3, value = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    size = 4, value = lead & 0x07, min = 0x10000;
  } else {
    return {replacement, 1, false};
  }
  if (i + size > s.size())
    return {replacement, 1, false};
  for (std::size_t k = 1; k < size; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80)
      return {replacement, 1, false};
    value = (value << 6) | (byte(i + k) & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
    return {replacement, 1, false};
  return {value, size, true};
}

std::size_t units_of(char32_t value) {
  return value >= 0x10000 ? 2 : 1;
}

/// Code points that belong to the one before them: cutting before them
/// would tear an emoji sequence or an accented letter apart.
bool extends_previous(char32_t c) {
  return c == 0x200D || (c >= 0xFE00 && c <= 0xFE0F) ||
         (c >= 0x1F3FB && c <= 0x1F3FF) || (c >= 0x0300 && c <= 0x036F) ||
         (c >= 0x20D0 && c <= 0x20FF) || (c >= 0xE0020 && c <= 0xE007F);
}

/// Languages longer than this are not repeated when a block is reopened.
constexpr std::size_t max_language = 32;
/// A longer line is text, never a fence marker.
constexpr std::size_t max_fence_line = 64;
/// "\n```" closing a block at the end of a part.
constexpr std::size_t close_units = 4;
constexpr std::size_t min_max_for_fences = 80;

/// One line of the text (or a piece of a line too long for one message).
struct line {
  std::string_view text;
  std::size_t units = 0;
  bool joined = false; ///< continues the previous line with no newline
  bool fence = false;  ///< a ``` marker line
  std::optional<std::string> before; ///< language of a block open before
  std::optional<std::string> after;  ///< language of a block open after
};

std::size_t open_units(const std::optional<std::string>& language) {
  return language ? 3 + language->size() + 1 : 0;
}

bool is_blank(const line& l) {
  return !l.joined && !l.fence && !l.before &&
         l.text.find_first_not_of(" \t\r") == std::string_view::npos;
}

/// The fence marker in `text`, if it is one, and the language it names.
std::optional<std::string> fence_language(std::string_view text) {
  auto start = text.find_first_not_of(' ');
  if (start == std::string_view::npos || start > 3 ||
      text.substr(start, 3) != "```" || text.size() > max_fence_line)
    return std::nullopt;
  auto info = text.substr(start + 3);
  auto begin = info.find_first_not_of(" \t");
  if (begin == std::string_view::npos)
    return std::string{};
  info = info.substr(begin);
  info = info.substr(0, info.find_first_of(" \t\r`"));
  if (info.size() > max_language)
    return std::string{};
  return std::string{info};
}

/// Cuts a line longer than `budget` units into pieces at blanks between
/// words where possible.
std::vector<std::string_view> cut_long_line(std::string_view text,
                                            std::size_t budget) {
  struct point {
    std::size_t offset;
    std::size_t units_before; // units from the line start to here
    char32_t value;
  };
  std::vector<point> points;
  std::size_t units = 0;
  for (std::size_t i = 0; i < text.size();) {
    auto cp = decode(text, i);
    points.push_back({i, units, cp.value});
    units += units_of(cp.value);
    i += cp.size;
  }
  points.push_back({text.size(), units, 0});

  std::vector<std::string_view> pieces;
  std::size_t first = 0; // index into points where the piece starts
  while (points[first].offset < text.size()) {
    const std::size_t start_units = points[first].units_before;
    std::size_t end = first;
    while (end + 1 < points.size() &&
           points[end + 1].units_before - start_units <= budget)
      ++end;
    if (end + 1 < points.size()) {
      // Prefer a blank in the second half of the piece.
      std::size_t cut = end;
      for (std::size_t k = end; k > first; --k) {
        if (points[k - 1].value == ' ' &&
            (points[k].units_before - start_units) * 2 >= budget) {
          cut = k;
          break;
        }
      }
      if (cut == end) {
        for (std::size_t k = end; k > first + 1 && end - k < 16; --k) {
          if (!extends_previous(points[k].value) &&
              points[k - 1].value != 0x200D) {
            cut = k;
            break;
          }
        }
      }
      end = std::max(cut, first + 1);
    }
    pieces.push_back(
      text.substr(points[first].offset,
                  points[end].offset - points[first].offset));
    first = end;
  }
  return pieces;
}

/// Splits `text` into lines, marks code blocks, and cuts overlong lines.
std::vector<line> make_lines(std::string_view text, std::size_t max_utf16,
                             bool fences) {
  std::vector<line> lines;
  std::optional<std::string> open;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    auto end = text.find('\n', begin);
    if (end == std::string_view::npos)
      end = text.size();
    line l;
    l.text = text.substr(begin, end - begin);
    l.before = open;
    if (auto language = fences ? fence_language(l.text) : std::nullopt) {
      l.fence = true;
      open = open ? std::nullopt : std::move(language);
    }
    l.after = open;
    l.units = utf16_length(l.text);
    const std::size_t overhead =
      open_units(l.before) + (l.after ? close_units : 0);
    const std::size_t budget = max_utf16 - overhead;
    if (l.units <= budget) {
      lines.push_back(std::move(l));
    } else {
      bool joined = false;
      for (auto piece : cut_long_line(l.text, budget)) {
        line p = l;
        p.text = piece;
        p.units = utf16_length(piece);
        p.joined = joined;
        joined = true;
        lines.push_back(std::move(p));
      }
    }
    begin = end + 1;
  }
  return lines;
}

/// Assembles lines [first, last) into one part.
std::string assemble(const std::vector<line>& lines, std::size_t first,
                     std::size_t last) {
  std::string part;
  if (lines[first].before)
    part += "```" + *lines[first].before + "\n";
  for (std::size_t i = first; i < last; ++i) {
    if (i != first && !lines[i].joined)
      part += '\n';
    part += lines[i].text;
  }
  if (lines[last - 1].after)
    part += "\n```";
  return part;
}

} // namespace

std::size_t utf16_length(std::string_view text) {
  std::size_t units = 0;
  for (std::size_t i = 0; i < text.size();) {
    auto cp = decode(text, i);
    units += units_of(cp.value);
    i += cp.size;
  }
  return units;
}

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto cp = decode(text, i);
    if (cp.valid)
      out.append(text.substr(i, cp.size));
    else
      out += "\xEF\xBF\xBD";
    i += cp.size;
  }
  return out;
}

std::vector<std::string> split_message(std::string_view input,
                                       std::size_t max_utf16) {
  const std::string text = sanitize_utf8(input);
  if (text.empty())
    return {};
  max_utf16 = std::max<std::size_t>(max_utf16, 2);
  if (utf16_length(text) <= max_utf16)
    return {text};
  const auto lines =
    make_lines(text, max_utf16, max_utf16 >= min_max_for_fences);
  std::vector<std::string> parts;
  std::size_t first = 0;
  while (first < lines.size()) {
    // A part never starts with blank lines, nor with the closing marker of
    // a block the previous part already closed.
    if (is_blank(lines[first]) ||
        (lines[first].fence && lines[first].before)) {
      ++first;
      continue;
    }
    const std::size_t head = open_units(lines[first].before);
    std::size_t size = head;  // units of [first, i) without the close
    std::size_t best = 0;     // a paragraph cut, 0 when none yet
    std::size_t i = first;
    for (; i < lines.size(); ++i) {
      const std::size_t add =
        (i == first || lines[i].joined ? 0 : 1) + lines[i].units;
      const std::size_t tail = lines[i].after ? close_units : 0;
      if (i != first && size + add + tail > max_utf16)
        break;
      const bool paragraph =
        i != first && !lines[i].joined &&
        ((is_blank(lines[i]) && !lines[i].before) ||
         (lines[i].fence && !lines[i].before));
      if (paragraph && size * 3 >= max_utf16)
        best = i;
      size += add;
    }
    std::size_t cut = i;
    if (i < lines.size() && best != 0)
      cut = best;
    // Do not end a part with the opening marker of a block.
    if (cut < lines.size() && cut - first > 1 && lines[cut - 1].fence &&
        !lines[cut - 1].before)
      --cut;
    std::size_t last = cut;
    while (last > first + 1 && is_blank(lines[last - 1]))
      --last;
    if (!is_blank(lines[last - 1]) || last - first > 1)
      parts.push_back(assemble(lines, first, last));
    first = cut;
  }
  return parts;
}

} // namespace telclaude::telegram
