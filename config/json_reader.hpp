#pragma once

#include <simdjson.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace telclaude::config {

class json_object;

/// One value of the config document together with where it is
/// (`telegram.allowedChats[2]`). Every accessor checks the JSON type and
/// range and throws a `telclaude::user_error` whose message starts with the
/// path: `inbound.reply.timeoutSeconds: expected a positive integer, got
/// "ten"`.
class json_node {
public:
  json_node(simdjson::dom::element value, std::string path);

  /// The dotted path, "" for the document itself.
  const std::string& path() const noexcept {
    return path_;
  }

  /// The same node, but messages show only its JSON type, never its value.
  json_node concealed() const;

  bool is_null() const;

  /// A string; `non_empty` rejects "" (config.invalid).
  std::string string(bool non_empty = true) const;

  bool boolean() const;

  /// An integer in [min, max]; a fraction is config.type, out of range is
  /// config.range.
  std::int64_t integer(std::int64_t min, std::int64_t max) const;

  /// A number (integer or fraction) in [min, max].
  double number(double min, double max) const;

  /// The elements, with paths `path[i]`.
  std::vector<json_node> array() const;

  /// The members; throws config.invalid on a duplicate key.
  json_object object() const;

  /// The string, if it is one of `names`; else config.range (config.type
  /// for a non-string) suggesting the closest name.
  std::string_view one_of(const std::vector<std::string_view>& names) const;

  /// The value paired with the name given.
  template <class T>
  T choice(std::initializer_list<std::pair<std::string_view, T>> choices) const {
    std::vector<std::string_view> names;
    for (const auto& choice : choices)
      names.push_back(choice.first);
    auto given = one_of(names);
    for (const auto& [name, value] : choices)
      if (name == given)
        return value;
    return choices.begin()->second;  // not reached: one_of threw
  }

  /// Throws `code` with the message "<path>: <message>".
  [[noreturn]] void fail(const std::string& code,
                         const std::string& message) const;

  /// Throws `code` with "<path>: expected <what>, got <value>".
  [[noreturn]] void expected(const std::string& what,
                             const std::string& code = "config.type") const;

  /// How the value is shown in messages: "ten" quoted, 42, true, null, an
  /// array; only the type when concealed.
  std::string shown() const;

private:
  simdjson::dom::element value_;
  std::string path_;
  bool concealed_ = false;
};

/// The members of one JSON object being read. Each key asked for is
/// allowed; `finish()` rejects any other key (config.unknown_key), listing
/// the allowed ones and suggesting the closest. A reader for a section is
/// a few `read()` calls followed by `finish()`.
class json_object {
public:
  using member = std::pair<std::string_view, simdjson::dom::element>;

  json_object(std::vector<member> members, std::string path);

  /// An absent object: every key reads as absent, so defaults apply and
  /// required keys are reported at their full path.
  static json_object absent(std::string path);

  const std::string& path() const noexcept {
    return path_;
  }

  /// The value at `key`, or nullopt when absent (null is present).
  std::optional<json_node> find(std::string_view key);

  /// The value at `key`, or nullopt when absent; then `finish()` throws
  /// config.missing "<path>.<key>: missing; <hint>" (after reporting any
  /// unknown key, which is often the misspelt required one).
  std::optional<json_node> require(std::string_view key, std::string hint);

  /// The object at `key`, or an absent one.
  json_object object(std::string_view key);

  /// Readers that leave `target` unchanged when `key` is absent.
  void read(std::string_view key, bool& target);
  void read(std::string_view key, int& target, int min,
            int max = std::numeric_limits<int>::max());
  void read(std::string_view key, double& target, double min,
            double max = std::numeric_limits<double>::infinity());
  /// A non-empty string.
  void read(std::string_view key, std::string& target);
  /// null or a non-empty string.
  void read(std::string_view key, std::optional<std::string>& target);
  /// An array of strings (each may be empty).
  void read(std::string_view key, std::vector<std::string>& target);

  /// Every member, for an object used as a map (`{"tg:1": ..., ...}`):
  /// all keys are allowed and each node's path is `<path>["<key>"]`.
  std::vector<std::pair<std::string_view, json_node>> entries();

  /// Throws config.unknown_key for the first key no reader asked for,
  /// then config.missing for the first required key absent.
  void finish() const;

  /// "<path>.<key>", or "<key>" at the top level.
  std::string child_path(std::string_view key) const;

private:
  std::vector<member> members_;
  std::vector<std::string> allowed_;
  std::vector<std::pair<std::string, std::string>> missing_;  // key, hint
  std::string path_;
};

/// The candidate closest to `word` when it is an obvious typo (edit
/// distance at most 2 and less than half the word, ignoring case), else
/// one that `word` starts with or that starts with `word` ("warning" for
/// "warn"; at least 3 characters shared), else nullopt.
std::optional<std::string_view>
closest(std::string_view word, const std::vector<std::string_view>& candidates);

/// `expected one of "a", "b", got <shown>`, then `; did you mean "a"?`
/// when `given` is close to a name.
std::string expected_one_of(const std::vector<std::string_view>& names,
                            std::string_view given, const std::string& shown);

/// "a positive integer", "an integer from 0 to 50", ...
std::string describe_integer(std::int64_t min, std::int64_t max);

/// "a number from 0 to 1", "a number of at least 1", ...
std::string describe_number(double min, double max);

} // namespace telclaude::config
