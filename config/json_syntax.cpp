#include "config/json_syntax.hpp"

namespace telclaude::config {

namespace {

constexpr int max_depth = 1024;

/// A recursive-descent recogniser that stops at the first error.
class checker {
public:
  explicit checker(std::string_view text) : text_(text) {
  }

  std::optional<syntax_error_location> run() {
    skip_space();
    if (at_end())
      return error("the document is empty");
    if (!value(0))
      return error_;
    skip_space();
    if (!at_end())
      return error("unexpected text after the JSON value");
    return std::nullopt;
  }

private:
  bool at_end() const {
    return pos_ >= text_.size();
  }

  char peek() const {
    return at_end() ? '\0' : text_[pos_];
  }

  std::optional<syntax_error_location> error(std::string problem) {
    syntax_error_location where;
    for (std::size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++where.line;
        where.column = 1;
      } else {
        ++where.column;
      }
    }
    where.problem = std::move(problem);
    error_ = where;
    return error_;
  }

  bool fail(std::string problem) {
    error(std::move(problem));
    return false;
  }

  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n'
                         || peek() == '\r'))
      ++pos_;
  }

  bool value(int depth) {
    if (depth > max_depth)
      return fail("nested too deeply");
    switch (peek()) {
    case '{':
      return object(depth);
    case '[':
      return array(depth);
    case '"':
      return string();
    case 't':
      return literal("true");
    case 'f':
      return literal("false");
    case 'n':
      return literal("null");
    default:
      if (peek() == '-' || (peek() >= '0' && peek() <= '9'))
        return number();
      return fail(at_end() ? "unexpected end of file, expected a value"
                           : "expected a value");
    }
  }

  bool object(int depth) {
    ++pos_;
    skip_space();
    if (peek() == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      if (peek() != '"')
        return fail(peek() == '}' ? "trailing comma before '}'"
                                  : "expected a key in double quotes");
      if (!string())
        return false;
      skip_space();
      if (peek() != ':')
        return fail("expected ':' after the key");
      ++pos_;
      skip_space();
      if (!value(depth + 1))
        return false;
      skip_space();
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      if (peek() != ',')
        return fail("expected ',' or '}'");
      ++pos_;
      skip_space();
    }
  }

  bool array(int depth) {
    ++pos_;
    skip_space();
    if (peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      if (peek() == ']')
        return fail("trailing comma before ']'");
      if (!value(depth + 1))
        return false;
      skip_space();
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      if (peek() != ',')
        return fail("expected ',' or ']'");
      ++pos_;
      skip_space();
    }
  }

  bool string() {
    ++pos_;
    while (!at_end()) {
      auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20)
        return fail("control character in a string (write \\n, \\t, ...)");
      if (c == '\\' && !escape())
        return false;
      if (c != '\\')
        ++pos_;
    }
    return fail("unterminated string");
  }

  bool escape() {
    ++pos_;
    char c = peek();
    if (c == 'u') {
      for (int i = 1; i <= 4; ++i) {
        char h = pos_ + i < text_.size() ? text_[pos_ + i] : '\0';
        bool hex = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f')
                || (h >= 'A' && h <= 'F');
        if (!hex)
          return fail("\\u must be followed by four hex digits");
      }
      pos_ += 5;
      return true;
    }
    if (std::string_view{"\"\\/bfnrt"}.find(c) == std::string_view::npos
        || at_end())
      return fail("invalid escape in a string");
    ++pos_;
    return true;
  }

  bool digits() {
    if (!(peek() >= '0' && peek() <= '9'))
      return false;
    while (peek() >= '0' && peek() <= '9')
      ++pos_;
    return true;
  }

  bool number() {
    std::size_t start = pos_;
    if (peek() == '-')
      ++pos_;
    if (peek() == '0' && pos_ + 1 < text_.size() && text_[pos_ + 1] >= '0'
        && text_[pos_ + 1] <= '9') {
      pos_ = start;
      return fail("invalid number (no leading zeros)");
    }
    bool ok = digits();
    if (ok && peek() == '.') {
      ++pos_;
      ok = digits();
    }
    if (ok && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (peek() == '+' || peek() == '-')
        ++pos_;
      ok = digits();
    }
    if (!ok) {
      pos_ = start;
      return fail("invalid number");
    }
    return true;
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word)
      return fail("expected a value (strings need double quotes)");
    pos_ += word.size();
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::optional<syntax_error_location> error_;
};

} // namespace

std::optional<syntax_error_location> locate_syntax_error(std::string_view text) {
  return checker{text}.run();
}

} // namespace telclaude::config
