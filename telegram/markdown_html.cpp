#include "telegram/markdown_html.hpp"

#include "telegram/message_splitter.hpp"

#include <algorithm>
#include <cctype>

namespace telclaude::telegram {

namespace {

bool is_word(unsigned char c) {
  return std::isalnum(c) || c >= 0x80;
}

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

void escape_into(std::string& out, char c, bool quote = false) {
  switch (c) {
  case '&': out += "&amp;"; break;
  case '<': out += "&lt;"; break;
  case '>': out += "&gt;"; break;
  case '"':
    out += quote ? "&quot;" : "\"";
    break;
  default: out += c;
  }
}

bool safe_url(std::string_view url) {
  static constexpr std::string_view schemes[] = {"http://", "https://",
                                                 "tg://", "mailto:"};
  if (url.empty() || url.find_first_of(" \t\n<>\"") != std::string_view::npos)
    return false;
  std::string low;
  for (char c : url.substr(0, 8))
    low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::any_of(std::begin(schemes), std::end(schemes),
                     [&](std::string_view s) { return low.starts_with(s); });
}

/// Where the delimiter `d` that closes an emphasis opened before `from`
/// is, or npos.
std::size_t find_closer(std::string_view s, std::size_t from,
                        std::string_view d) {
  const char c = d.front();
  for (std::size_t j = s.find(d, from); j != std::string_view::npos;
       j = s.find(d, j + 1)) {
    if (j == from || is_space(s[j - 1]))
      continue;
    const std::size_t after = j + d.size();
    if (d.size() == 1 && ((after < s.size() && s[after] == c) ||
                          s[j - 1] == c))
      continue; // part of a double marker
    if (c == '_' && after < s.size() && is_word(s[after]))
      continue; // inside a word (snake_case)
    return j;
  }
  return std::string_view::npos;
}

std::string render_inline(std::string_view s, bool links = true) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '`') {
      std::size_t n = 0;
      while (i + n < s.size() && s[i + n] == '`')
        ++n;
      std::string_view run = s.substr(i, n);
      std::size_t end = s.find(run, i + n);
      while (end != std::string_view::npos && end + n < s.size() &&
             s[end + n] == '`')
        end = s.find(run, end + n + 1);
      if (end == std::string_view::npos || end == i + n) {
        out += run;
        i += n;
        continue;
      }
      out += "<code>" + escape_html(s.substr(i + n, end - i - n)) + "</code>";
      i = end + n;
      continue;
    }
    if (c == '\\' && i + 1 < s.size() &&
        std::ispunct(static_cast<unsigned char>(s[i + 1]))) {
      escape_into(out, s[i + 1]);
      i += 2;
      continue;
    }
    if (c == '[' && links) {
      const auto close = s.find(']', i + 1);
      if (close != std::string_view::npos && close + 1 < s.size() &&
          s[close + 1] == '(') {
        const auto paren = s.find(')', close + 2);
        if (paren != std::string_view::npos) {
          auto url = s.substr(close + 2, paren - close - 2);
          auto label = s.substr(i + 1, close - i - 1);
          if (safe_url(url) && !label.empty()) {
            out += "<a href=\"" + escape_html(url, true) + "\">" +
                   render_inline(label, false) + "</a>";
            i = paren + 1;
            continue;
          }
        }
      }
    }
    if (c == '*' || c == '_' || c == '~') {
      const bool twice = i + 1 < s.size() && s[i + 1] == c;
      if (c == '~' && !twice) {
        out += c;
        ++i;
        continue;
      }
      const std::string d(twice ? 2 : 1, c);
      const char* tag = c == '~' ? "s" : twice ? "b" : "i";
      const std::size_t body = i + d.size();
      const bool opens = body < s.size() && !is_space(s[body]) &&
                         !(c == '_' && i > 0 && is_word(s[i - 1]));
      const auto j = opens ? find_closer(s, body, d) : std::string_view::npos;
      if (j == std::string_view::npos) {
        out += d;
        i += d.size();
        continue;
      }
      out += std::string{"<"} + tag + ">" +
             render_inline(s.substr(body, j - body), links) + "</" + tag + ">";
      i = j + d.size();
      continue;
    }
    escape_into(out, c);
    ++i;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

/// The fence marker (``` or ~~~, possibly longer) a line opens, or empty.
std::string_view fence_of(std::string_view line) {
  std::size_t indent = 0;
  while (indent < line.size() && line[indent] == ' ')
    ++indent;
  if (indent > 3)
    return {};
  auto t = trim(line);
  if (t.size() < 3 || (t[0] != '`' && t[0] != '~'))
    return {};
  std::size_t n = 0;
  while (n < t.size() && t[n] == t[0])
    ++n;
  return n >= 3 ? t.substr(0, n) : std::string_view{};
}

/// The list item text of a `-`, `*` or `+` bullet line, with its indent.
bool bullet(std::string_view line, std::string_view& indent,
            std::string_view& rest) {
  auto pos = line.find_first_not_of(" \t");
  if (pos == std::string_view::npos || pos + 1 >= line.size())
    return false;
  const char c = line[pos];
  if ((c != '-' && c != '*' && c != '+') || !is_space(line[pos + 1]))
    return false;
  indent = line.substr(0, pos);
  rest = trim(line.substr(pos + 2));
  return true;
}

} // namespace

std::string escape_html(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text)
    escape_into(out, c, quote);
  return out;
}

std::string markdown_to_html(std::string_view markdown) {
  const std::string clean = sanitize_utf8(markdown);
  std::vector<std::string_view> lines;
  std::string_view rest = clean;
  while (true) {
    auto nl = rest.find('\n');
    auto line = rest.substr(0, nl);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos)
      break;
    rest.remove_prefix(nl + 1);
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto line = lines[i];
    if (auto fence = fence_of(line); !fence.empty()) {
      auto info = trim(trim(line).substr(fence.size()));
      std::string lang;
      for (char c : info.substr(0, info.find_first_of(" \t")))
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
            c == '+' || c == '#' || c == '-' || c == '.')
          lang += c;
      std::string body;
      std::size_t j = i + 1;
      for (; j < lines.size(); ++j) {
        auto f = fence_of(lines[j]);
        if (!f.empty() && f.front() == fence.front() &&
            f.size() >= fence.size() && trim(lines[j]).size() == f.size())
          break;
        if (j > i + 1)
          body += '\n';
        body += lines[j];
      }
      std::string block = lang.empty()
                            ? "<pre>" + escape_html(body) + "</pre>"
                            : "<pre><code class=\"language-" + lang + "\">" +
                                escape_html(body) + "</code></pre>";
      out.push_back(std::move(block));
      i = j; // the closing fence (or the end)
      continue;
    }
    auto t = trim(line);
    std::size_t hashes = 0;
    while (hashes < t.size() && t[hashes] == '#')
      ++hashes;
    if (hashes >= 1 && hashes <= 6 && hashes < t.size() &&
        is_space(t[hashes])) {
      auto title = trim(t.substr(hashes));
      while (!title.empty() && title.back() == '#')
        title.remove_suffix(1);
      out.push_back("<b>" + render_inline(trim(title)) + "</b>");
      continue;
    }
    if (!t.empty() && t.front() == '>') {
      std::string quote;
      std::size_t j = i;
      for (; j < lines.size(); ++j) {
        auto q = trim(lines[j]);
        if (q.empty() || q.front() != '>')
          break;
        q.remove_prefix(1);
        if (!q.empty() && is_space(q.front()))
          q.remove_prefix(1);
        if (j > i)
          quote += '\n';
        quote += render_inline(q);
      }
      out.push_back("<blockquote>" + quote + "</blockquote>");
      i = j - 1;
      continue;
    }
    std::string_view indent, item;
    if (bullet(line, indent, item)) {
      out.push_back(std::string{indent} + "• " + render_inline(item));
      continue;
    }
    out.push_back(render_inline(line));
  }
  std::string html;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i)
      html += '\n';
    html += out[i];
  }
  return html;
}

namespace {

/// One piece of HTML: a tag, or one visible character (an entity or a
/// UTF-8 code point).
struct piece {
  std::string_view text;
  bool tag = false;
  bool closing = false;
  std::size_t units = 0;
};

std::vector<piece> pieces_of(std::string_view html) {
  std::vector<piece> ps;
  for (std::size_t i = 0; i < html.size();) {
    piece p;
    std::size_t len = 1;
    const auto c = static_cast<unsigned char>(html[i]);
    if (c == '<') {
      auto close = html.find('>', i);
      len = close == std::string_view::npos ? html.size() - i : close - i + 1;
      p.tag = true;
      p.closing = i + 1 < html.size() && html[i + 1] == '/';
    } else if (c == '&') {
      auto semi = html.find(';', i);
      len = semi == std::string_view::npos || semi - i > 10 ? 1 : semi - i + 1;
      p.units = 1;
    } else {
      len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      len = std::min(len, html.size() - i);
      p.units = len == 4 ? 2 : 1;
    }
    p.text = html.substr(i, len);
    ps.push_back(p);
    i += len;
  }
  return ps;
}

std::string tag_name(std::string_view tag) {
  auto s = tag.substr(tag.size() > 1 && tag[1] == '/' ? 2 : 1);
  return std::string{s.substr(0, s.find_first_of(" >\t\n"))};
}

} // namespace

std::string html_to_plain(std::string_view html) {
  std::string out;
  for (const auto& p : pieces_of(html)) {
    if (p.tag)
      continue;
    if (p.text == "&lt;")
      out += '<';
    else if (p.text == "&gt;")
      out += '>';
    else if (p.text == "&amp;")
      out += '&';
    else if (p.text == "&quot;")
      out += '"';
    else
      out += p.text;
  }
  return out;
}

std::size_t html_visible_utf16(std::string_view html) {
  std::size_t n = 0;
  for (const auto& p : pieces_of(html))
    n += p.units;
  return n;
}

std::vector<std::string> split_html(std::string_view html,
                                    std::size_t max_utf16) {
  max_utf16 = std::max<std::size_t>(max_utf16, 2);
  const auto ps = pieces_of(html);
  std::vector<std::string> parts;
  std::vector<std::string_view> open; // opening tags in force
  std::size_t start = 0;
  while (start < ps.size()) {
    // Find the end of this part: [start, end), resuming at `next`.
    std::size_t units = 0, end = ps.size(), next = ps.size();
    std::size_t last_nl = 0, last_sp = 0; // 0: none (index + 1 otherwise)
    for (std::size_t k = start; k < ps.size(); ++k) {
      if (ps[k].tag)
        continue;
      if (units + ps[k].units > max_utf16) {
        if (last_nl && last_nl - 1 > start) {
          end = last_nl - 1;
          next = last_nl;
        } else if (last_sp && last_sp - 1 > start) {
          end = last_sp - 1;
          next = last_sp;
        } else {
          end = next = k;
        }
        // Opening tags right before the cut belong to the next part.
        const bool hard = next == end;
        while (end > start && ps[end - 1].tag && !ps[end - 1].closing)
          --end;
        if (hard)
          next = end;
        break;
      }
      units += ps[k].units;
      if (ps[k].text == "\n")
        last_nl = k + 1;
      else if (ps[k].text == " ")
        last_sp = k + 1;
    }
    std::string part;
    bool visible = false;
    for (auto t : open)
      part += t;
    for (std::size_t k = start; k < end; ++k) {
      part += ps[k].text;
      visible = visible || !ps[k].tag;
      if (ps[k].tag) {
        if (ps[k].closing) {
          if (!open.empty())
            open.pop_back();
        } else {
          open.push_back(ps[k].text);
        }
      }
    }
    for (auto it = open.rbegin(); it != open.rend(); ++it)
      part += "</" + tag_name(*it) + ">";
    // Tags skipped at the cut (openings moved past it) reopen next time.
    for (std::size_t k = end; k < next; ++k)
      if (ps[k].tag && !ps[k].closing)
        open.push_back(ps[k].text);
    if (visible)
      parts.push_back(std::move(part));
    if (next <= start)
      next = start + 1; // cannot happen with max_utf16 >= 2; never loop
    start = next;
  }
  return parts;
}

} // namespace telclaude::telegram
