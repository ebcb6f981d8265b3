#include "config/json_reader.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace telclaude::config {

namespace {

constexpr std::size_t max_shown_chars = 40;

/// Levenshtein distance; the words compared are short config keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string join_quoted(const std::vector<std::string_view>& names) {
  std::string out;
  for (const auto& name : names)
    out += (out.empty() ? "" : ", ") + quoted(name);
  return out;
}

} // namespace

std::optional<std::string_view>
closest(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::optional<std::string_view> best;
  std::size_t best_distance = 3;
  auto folded = lower(word);
  for (auto candidate : candidates) {
    auto distance = edit_distance(folded, lower(candidate));
    if (distance < best_distance && 2 * distance < word.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (best)
    return best;
  for (auto candidate : candidates) {
    auto other = lower(candidate);
    auto shorter = std::min(folded.size(), other.size());
    if (shorter >= 3 && (folded.starts_with(other) || other.starts_with(folded)))
      return candidate;
  }
  return std::nullopt;
}

std::string expected_one_of(const std::vector<std::string_view>& names,
                            std::string_view given, const std::string& shown) {
  std::string message = "expected one of " + join_quoted(names) + ", got "
                      + shown;
  if (auto near = closest(given, names))
    message += "; did you mean " + quoted(*near) + "?";
  return message;
}

std::string describe_integer(std::int64_t min, std::int64_t max) {
  constexpr auto int_max = std::numeric_limits<int>::max();
  constexpr auto i64_max = std::numeric_limits<std::int64_t>::max();
  bool unbounded = max == int_max || max == i64_max;
  if (unbounded && min == 1)
    return "a positive integer";
  if (unbounded && min == 0)
    return "a non-negative integer";
  if (min == std::numeric_limits<std::int64_t>::min() && max == i64_max)
    return "an integer";
  if (unbounded)
    return "an integer of at least " + std::to_string(min);
  return "an integer from " + std::to_string(min) + " to "
       + std::to_string(max);
}

std::string describe_number(double min, double max) {
  if (std::isinf(max))
    return "a number of at least " + format_number(min);
  return "a number from " + format_number(min) + " to " + format_number(max);
}

// json_node -----------------------------------------------------------------

json_node::json_node(simdjson::dom::element value, std::string path)
  : value_(value), path_(std::move(path)) {
}

json_node json_node::concealed() const {
  json_node copy = *this;
  copy.concealed_ = true;
  return copy;
}

bool json_node::is_null() const {
  return value_.is_null();
}

std::string json_node::string(bool non_empty) const {
  std::string_view text;
  if (value_.get_string().get(text) != simdjson::SUCCESS)
    expected("a string");
  if (non_empty && text.empty())
    expected("a non-empty string", "config.invalid");
  return std::string{text};
}

bool json_node::boolean() const {
  bool value = false;
  if (value_.get_bool().get(value) != simdjson::SUCCESS)
    expected("true or false");
  return value;
}

std::int64_t json_node::integer(std::int64_t min, std::int64_t max) const {
  auto what = describe_integer(min, max);
  auto type = value_.type();
  if (type == simdjson::dom::element_type::UINT64)
    expected(what, "config.range");  // above INT64_MAX
  if (type != simdjson::dom::element_type::INT64)
    expected(what);
  std::int64_t value = value_.get_int64().value_unsafe();
  if (value < min || value > max)
    expected(what, "config.range");
  return value;
}

double json_node::number(double min, double max) const {
  double value = 0;
  if (!value_.is_number() || value_.get_double().get(value) != simdjson::SUCCESS)
    expected(describe_number(min, max));
  if (!(value >= min && value <= max))
    expected(describe_number(min, max), "config.range");
  return value;
}

std::vector<json_node> json_node::array() const {
  simdjson::dom::array elements;
  if (value_.get_array().get(elements) != simdjson::SUCCESS)
    expected("an array");
  std::vector<json_node> out;
  for (auto element : elements)
    out.emplace_back(element, path_ + "[" + std::to_string(out.size()) + "]");
  return out;
}

json_object json_node::object() const {
  simdjson::dom::object members;
  if (value_.get_object().get(members) != simdjson::SUCCESS)
    expected("an object");
  std::vector<json_object::member> out;
  for (auto [key, value] : members) {
    for (const auto& seen : out)
      if (seen.first == key) {
        json_object parent{{}, path_};
        json_node{value, parent.child_path(key)}.fail(
          "config.invalid", "duplicate key; each key may appear once");
      }
    out.emplace_back(key, value);
  }
  return json_object{std::move(out), path_};
}

void json_node::fail(const std::string& code, const std::string& message) const {
  throw user_error(code, (path_.empty() ? "(top level)" : path_) + ": "
                           + message);
}

void json_node::expected(const std::string& what, const std::string& code) const {
  fail(code, "expected " + what + ", got " + shown());
}

std::string json_node::shown() const {
  using simdjson::dom::element_type;
  switch (value_.type()) {
  case element_type::ARRAY:
    return "an array";
  case element_type::OBJECT:
    return "an object";
  case element_type::NULL_VALUE:
    return "null";
  case element_type::BOOL:
    return value_.get_bool().value_unsafe() ? "true" : "false";
  case element_type::STRING: {
    if (concealed_)
      return "a string (value not shown)";
    auto json = simdjson::minify(value_);
    if (json.size() <= max_shown_chars + 2)
      return json;
    // Cut before a UTF-8 continuation byte, never inside a character.
    auto cut = max_shown_chars;
    while (cut > 1 && (static_cast<unsigned char>(json[cut]) & 0xC0) == 0x80)
      --cut;
    return json.substr(0, cut) + "...\"";
  }
  default:
    return concealed_ ? std::string{"a number (value not shown)"}
                      : simdjson::minify(value_);
  }
}

std::string_view
json_node::one_of(const std::vector<std::string_view>& names) const {
  std::string_view given;
  if (value_.get_string().get(given) != simdjson::SUCCESS)
    expected("one of " + join_quoted(names));
  for (auto name : names)
    if (name == given)
      return name;
  fail("config.range", expected_one_of(names, given, shown()));
}

// json_object ---------------------------------------------------------------

json_object::json_object(std::vector<member> members, std::string path)
  : members_(std::move(members)), path_(std::move(path)) {
}

json_object json_object::absent(std::string path) {
  return json_object{{}, std::move(path)};
}

std::string json_object::child_path(std::string_view key) const {
  return path_.empty() ? std::string{key} : path_ + "." + std::string{key};
}

std::optional<json_node> json_object::find(std::string_view key) {
  allowed_.emplace_back(key);
  for (const auto& [name, value] : members_)
    if (name == key)
      return json_node{value, child_path(key)};
  return std::nullopt;
}

std::optional<json_node> json_object::require(std::string_view key,
                                             std::string hint) {
  auto node = find(key);
  if (!node)
    missing_.emplace_back(key, std::move(hint));
  return node;
}

json_object json_object::object(std::string_view key) {
  if (auto node = find(key))
    return node->object();
  return absent(child_path(key));
}

void json_object::read(std::string_view key, bool& target) {
  if (auto node = find(key))
    target = node->boolean();
}

void json_object::read(std::string_view key, int& target, int min, int max) {
  if (auto node = find(key))
    target = static_cast<int>(node->integer(min, max));
}

void json_object::read(std::string_view key, double& target, double min,
                       double max) {
  if (auto node = find(key))
    target = node->number(min, max);
}

void json_object::read(std::string_view key, std::string& target) {
  if (auto node = find(key))
    target = node->string();
}

void json_object::read(std::string_view key,
                       std::optional<std::string>& target) {
  if (auto node = find(key))
    target = node->is_null() ? std::nullopt
                             : std::optional<std::string>{node->string()};
}

void json_object::read(std::string_view key, std::vector<std::string>& target) {
  if (auto node = find(key)) {
    target.clear();
    for (const auto& element : node->array())
      target.push_back(element.string(false));
  }
}

std::vector<std::pair<std::string_view, json_node>> json_object::entries() {
  std::vector<std::pair<std::string_view, json_node>> out;
  for (const auto& [name, value] : members_) {
    allowed_.emplace_back(name);
    out.emplace_back(name, json_node{value, path_ + "[" + quoted(name) + "]"});
  }
  return out;
}

void json_object::finish() const {
  std::vector<std::string_view> allowed{allowed_.begin(), allowed_.end()};
  for (const auto& [name, value] : members_) {
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end())
      continue;
    std::string message = "unknown key";
    if (auto near = closest(name, allowed))
      message += "; did you mean " + quoted(*near) + "?";
    std::vector<std::string_view> sorted = allowed;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::string list;
    for (auto key : sorted)
      list += (list.empty() ? "" : ", ") + std::string{key};
    message += allowed.empty() ? " (this object takes no keys)"
                               : " (allowed: " + list + ")";
    throw user_error("config.unknown_key", child_path(name) + ": " + message);
  }
  if (!missing_.empty())
    throw user_error("config.missing", child_path(missing_.front().first)
                                         + ": missing; "
                                         + missing_.front().second);
}

} // namespace telclaude::config
