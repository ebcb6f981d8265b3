#include "security/control_command.hpp"

#include "security/auth_code.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace telclaude::security {

namespace {

struct command_spec {
  std::string_view word;
  control_kind kind;
  std::size_t code_length;  // 0: takes no argument
  bool totp = false;        // the argument is a six-digit TOTP code
};

constexpr std::size_t totp_digits = 6;

constexpr std::array<command_spec, 12> commands{{
  {"approve", control_kind::approve, 8},
  {"deny", control_kind::deny, 8},
  {"link", control_kind::link, 10},
  {"unlink", control_kind::unlink, 0},
  {"whoami", control_kind::whoami, 0},
  {"setup-2fa", control_kind::setup_2fa, 0},
  {"verify-2fa", control_kind::verify_2fa, totp_digits, true},
  {"disable-2fa", control_kind::disable_2fa, totp_digits, true},
  {"2fa-logout", control_kind::logout_2fa, 0},
  {"skip-totp", control_kind::skip_totp, 0},
  {"stop", control_kind::stop, 0},
  {"status", control_kind::status, 0},
}};

/// Six ASCII digits.
bool is_totp_code(std::string_view s) {
  return s.size() == totp_digits &&
         std::all_of(s.begin(), s.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a')
                                         : c;
           };
           return lower(x) == lower(y);
         });
}

/// A command word as typed matches `word`: any case, `_` for `-`.
bool command_matches(std::string_view word, std::string_view typed) {
  return word.size() == typed.size() &&
         std::equal(word.begin(), word.end(), typed.begin(),
                    [](char w, char t) {
                      if (w == '-' && t == '_')
                        return true;
                      return iequals(std::string_view{&w, 1},
                                     std::string_view{&t, 1});
                    });
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i]))
      ++i;
    const auto start = i;
    while (i < text.size() && !is_space(text[i]))
      ++i;
    if (i > start)
      words.push_back(text.substr(start, i - start));
  }
  return words;
}

control_error error(control_kind kind, std::string reason,
                    std::string message) {
  return {kind, std::move(reason), std::move(message)};
}

std::string malformed_message(control_kind kind, std::size_t length) {
  const std::string what = kind == control_kind::link ? "link" : "approval";
  return "That is not a valid " + what + " code: codes have " +
         std::to_string(length) +
         " letters and digits (no 0, O, 1, I or L). Check it and send "
         "/" + std::string(to_string(kind)) + " <code> again.";
}

/// The code argument of `spec`, or the error for its absence or shape.
std::variant<control_command, control_error> with_code(
  const command_spec& spec, const std::vector<std::string_view>& words) {
  const std::string usage =
    "Usage: /" + std::string(spec.word) +
    (spec.code_length ? " <code>" : "");
  if (spec.code_length == 0) {
    if (words.size() > 1)
      return error(spec.kind, "unexpected_argument",
                   "/" + std::string(spec.word) +
                     " takes no argument. " + usage);
    return control_command{spec.kind, {}};
  }
  if (words.size() < 2)
    return error(spec.kind, "missing_code", usage);
  if (words.size() > 2)
    return error(spec.kind, "unexpected_argument",
                 "Send only the code. " + usage);
  if (spec.totp) {
    if (!is_totp_code(words[1]))
      return error(spec.kind, "malformed_code",
                   "That is not a 2FA code: send the six digits your "
                   "authenticator app shows. " + usage);
    return control_command{spec.kind, std::string{words[1]}};
  }
  auto code = normalize_code(words[1], spec.code_length);
  if (!code)
    return error(spec.kind, "malformed_code",
                 malformed_message(spec.kind, spec.code_length));
  return control_command{spec.kind, std::move(*code)};
}

} // namespace

std::string_view to_string(control_kind kind) noexcept {
  for (const auto& spec : commands)
    if (spec.kind == kind)
      return spec.word;
  return "whoami";
}

control_parse parse_control_command(std::string_view text,
                                    std::string_view bot_username) {
  const auto words = split_words(text);
  if (words.empty() || words[0].size() < 2 || words[0][0] != '/')
    return not_control{};
  auto name = words[0].substr(1);
  std::string_view addressee;
  if (const auto at = name.find('@'); at != std::string_view::npos) {
    addressee = name.substr(at + 1);
    name = name.substr(0, at);
  }
  const auto spec =
    std::find_if(commands.begin(), commands.end(),
                 [&](const command_spec& s) {
                   return command_matches(s.word, name);
                 });
  if (spec == commands.end())
    return not_control{};
  if (!addressee.empty() && !bot_username.empty() &&
      !iequals(addressee, bot_username))
    return other_bot{};
  return std::visit([](auto&& v) -> control_parse { return v; },
                    with_code(*spec, words));
}

callback_parse parse_callback_data(std::string_view data) {
  if (data.size() > max_callback_data_bytes)
    return error(control_kind::approve, "too_long",
                 "That button is not valid.");
  const auto colon = data.find(':');
  const auto action = data.substr(0, colon);
  control_kind kind;
  if (action == "approve")
    kind = control_kind::approve;
  else if (action == "deny")
    kind = control_kind::deny;
  else if (action == "stop")
    kind = control_kind::stop;
  else
    return error(control_kind::approve, "unknown_action",
                 "That button is not valid.");
  if (colon == std::string_view::npos)
    return error(kind, "missing_code", "That button is not valid.");
  if (kind == control_kind::stop) {
    auto turn = data.substr(colon + 1);
    bool digits = !turn.empty() && turn.size() <= 20
                  && std::all_of(turn.begin(), turn.end(), [](char c) {
                       return c >= '0' && c <= '9';
                     });
    if (!digits)
      return error(kind, "malformed_code", "That button is not valid.");
    return control_command{kind, std::string{turn}};
  }
  auto code = normalize_code(data.substr(colon + 1),
                             code_length(code_kind::approval));
  if (!code)
    return error(kind, "malformed_code", "That button is not valid.");
  return control_command{kind, std::move(*code)};
}

std::string make_callback_data(control_kind kind, std::string_view code) {
  const char* action = kind == control_kind::deny   ? "deny:"
                       : kind == control_kind::stop ? "stop:"
                                                    : "approve:";
  return std::string(action) + std::string(code);
}

approval_prompt make_approval_prompt(std::string_view request,
                                     std::string_view code,
                                     std::chrono::minutes ttl) {
  constexpr std::size_t max_shown = 1000;
  std::string shown(request.substr(0, max_shown));
  if (request.size() > max_shown) {
    // Drop a UTF-8 sequence cut in the middle.
    auto end = shown.size();
    while (end > 0 && (static_cast<unsigned char>(shown[end - 1]) & 0xC0) == 0x80)
      --end;
    if (end > 0 && (static_cast<unsigned char>(shown[end - 1]) & 0x80) != 0)
      --end;
    shown.resize(end);
    shown += "…";
  }
  approval_prompt p;
  p.text = "Approval needed before this runs:\n\n" + shown + "\n\nCode: " +
           std::string(code) + " (valid " + std::to_string(ttl.count()) +
           (ttl.count() == 1 ? " minute" : " minutes") +
           "). Tap Approve or Deny, or reply /approve " + std::string(code) +
           " or /deny " + std::string(code) + ".";
  p.buttons = {{"Approve", make_callback_data(control_kind::approve, code)},
               {"Deny", make_callback_data(control_kind::deny, code)}};
  return p;
}

} // namespace telclaude::security
