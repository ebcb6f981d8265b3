#include "security/tiers.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace telclaude::security {

namespace {

constexpr std::array<std::string_view, 14> denied_programs{
  "rm",   "rmdir", "mv",       "chmod", "chown",  "kill", "pkill",
  "killall", "sudo", "su", "shutdown", "reboot", "mkfs", "dd"};

constexpr std::array<std::string_view, 6> shells{"sh",  "bash", "dash",
                                                 "zsh", "ksh",  "fish"};

/// Words that start a command but run the next word as the program.
constexpr std::array<std::string_view, 13> wrappers{
  "env",    "command", "builtin", "exec",   "nohup",  "time",    "nice",
  "ionice", "timeout", "xargs",   "stdbuf", "setsid", "unbuffer"};

/// Shell words that may precede a command.
constexpr std::array<std::string_view, 11> keywords{
  "{", "}", "!", "if", "then", "elif", "else", "do", "while", "until", "{}"};

constexpr std::array<std::string_view, 4> safe_dev{"/dev/null", "/dev/stdout",
                                                   "/dev/stderr", "/dev/tty"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& set, std::string_view w) {
  return std::find(set.begin(), set.end(), w) != set.end();
}

bool is_safe_dev(std::string_view path) {
  if (one_of(safe_dev, path))
    return true;
  constexpr std::string_view fd = "/dev/fd/";
  return path.starts_with(fd) && path.size() > fd.size() &&
         std::all_of(path.begin() + fd.size(), path.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

bool is_assignment(std::string_view w) {
  const auto eq = w.find('=');
  if (eq == 0 || eq == std::string_view::npos)
    return false;
  return std::all_of(w.begin(), w.begin() + eq, [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
  });
}

std::string_view base_name(std::string_view w) {
  const auto slash = w.rfind('/');
  return slash == std::string_view::npos ? w : w.substr(slash + 1);
}

/// One simple command: its words, whether a pipe feeds it, and the files
/// its output redirections name.
struct simple_command {
  std::vector<std::string> words;
  std::vector<std::string> out_targets;
  bool piped = false;
};

bash_verdict deny(std::string reason) {
  return {false, std::move(reason)};
}

/// Splits a command line into simple commands; a command substitution
/// inside double quotes is checked by a nested verdict.
class lexer {
public:
  explicit lexer(std::string_view s, int depth) : s_(s), depth_(depth) {
    commands_.emplace_back();
  }

  /// The simple commands, or a denial (unterminated quote, nested denial).
  std::optional<bash_verdict> run() {
    while (i_ < s_.size()) {
      if (auto v = step())
        return v;
    }
    if (in_word_)
      end_word();
    if (pending_redirect_)
      return deny("a redirection without a target");
    return std::nullopt;
  }

  const std::vector<simple_command>& commands() const {
    return commands_;
  }

private:
  std::optional<bash_verdict> step() {
    const char c = s_[i_];
    if (c == ' ' || c == '\t') {
      end_word();
      ++i_;
      return std::nullopt;
    }
    if (c == '\n') {
      end_word();
      ++i_;
      skip_heredocs();
      separate(false);
      return std::nullopt;
    }
    if (c == '#' && !in_word_) {
      while (i_ < s_.size() && s_[i_] != '\n')
        ++i_;
      return std::nullopt;
    }
    if (c == '\\') {
      if (i_ + 1 < s_.size() && s_[i_ + 1] != '\n')
        append(s_[i_ + 1]);
      i_ += 2;
      return std::nullopt;
    }
    if (c == '\'') {
      const auto end = s_.find('\'', i_ + 1);
      if (end == std::string_view::npos)
        return deny("an unterminated quote");
      in_word_ = true;
      word_.append(s_.substr(i_ + 1, end - i_ - 1));
      i_ = end + 1;
      return std::nullopt;
    }
    if (c == '"')
      return double_quoted();
    return operator_or_char(c);
  }

  std::optional<bash_verdict> double_quoted() {
    in_word_ = true;
    for (++i_; i_ < s_.size(); ++i_) {
      const char c = s_[i_];
      if (c == '"') {
        ++i_;
        return std::nullopt;
      }
      if (c == '\\' && i_ + 1 < s_.size()) {
        word_ += s_[++i_];
      } else if (c == '`' || (c == '$' && i_ + 1 < s_.size() &&
                              s_[i_ + 1] == '(')) {
        const auto open = c == '`' ? i_ + 1 : i_ + 2;
        const auto close = c == '`' ? s_.find('`', open) : matching_paren(open);
        if (close == std::string_view::npos)
          return deny("an unterminated command substitution");
        if (depth_ > 8)
          return deny("command substitutions nested too deeply");
        auto inner = nested(s_.substr(open, close - open));
        if (!inner.allowed)
          return inner;
        i_ = close;
      } else {
        word_ += c;
      }
    }
    return deny("an unterminated quote");
  }

  std::size_t matching_paren(std::size_t from) const {
    int level = 1;
    for (auto j = from; j < s_.size(); ++j) {
      if (s_[j] == '(')
        ++level;
      else if (s_[j] == ')' && --level == 0)
        return j;
    }
    return std::string_view::npos;
  }

  bash_verdict nested(std::string_view inner) const;

  std::optional<bash_verdict> operator_or_char(char c) {
    const auto next = [&](std::size_t k) {
      return i_ + k < s_.size() ? s_[i_ + k] : '\0';
    };
    switch (c) {
    case ';':
    case '(':
    case ')':
    case '`':
      end_word();
      ++i_;
      separate(false);
      return std::nullopt;
    case '|':
      end_word();
      if (next(1) == '|') {
        i_ += 2;
        separate(false);
      } else {
        i_ += next(1) == '&' ? 2 : 1;
        separate(true);
      }
      return std::nullopt;
    case '&':
      if (next(1) == '>') {
        end_word();
        i_ += next(2) == '>' ? 3 : 2;
        pending_redirect_ = true;
        redirect_out_ = true;
        return std::nullopt;
      }
      end_word();
      i_ += next(1) == '&' ? 2 : 1;
      separate(false);
      return std::nullopt;
    case '$':
      if (next(1) == '(') {
        end_word();
        i_ += 2;
        separate(false);
        return std::nullopt;
      }
      break;
    case '>':
    case '<':
      return redirection(c, next(1), next(2));
    default:
      break;
    }
    append(c);
    ++i_;
    return std::nullopt;
  }

  std::optional<bash_verdict> redirection(char c, char n1, char n2) {
    // A word of digits right before the operator is a file descriptor.
    if (in_word_ && !word_.empty() &&
        std::all_of(word_.begin(), word_.end(),
                    [](char d) { return d >= '0' && d <= '9'; })) {
      word_.clear();
      in_word_ = false;
    }
    end_word();
    redirect_out_ = c == '>';
    heredoc_ = false;
    if (c == '<' && n1 == '<' && n2 == '<') {
      i_ += 3;  // here-string: the next word is data
    } else if (c == '<' && n1 == '<') {
      heredoc_ = true;
      heredoc_strip_ = n2 == '-';
      i_ += heredoc_strip_ ? 3 : 2;
    } else if (n1 == '>' || n1 == '|' || n1 == '&' || (c == '<' && n1 == '>')) {
      i_ += 2;
    } else {
      ++i_;
    }
    pending_redirect_ = true;
    return std::nullopt;
  }

  void append(char c) {
    in_word_ = true;
    word_ += c;
  }

  void end_word() {
    if (!in_word_)
      return;
    in_word_ = false;
    auto& cmd = commands_.back();
    if (pending_redirect_) {
      pending_redirect_ = false;
      if (heredoc_)
        heredocs_.push_back({word_, heredoc_strip_});
      else if (redirect_out_)
        cmd.out_targets.push_back(word_);
    } else {
      cmd.words.push_back(word_);
    }
    word_.clear();
  }

  /// After a newline: skips the bodies of the here-documents of the line.
  void skip_heredocs() {
    for (const auto& [delimiter, strip] : heredocs_) {
      while (i_ < s_.size()) {
        auto end = s_.find('\n', i_);
        if (end == std::string_view::npos)
          end = s_.size();
        auto line = s_.substr(i_, end - i_);
        if (strip)
          line.remove_prefix(std::min(line.find_first_not_of('\t'),
                                      line.size()));
        i_ = std::min(end + 1, s_.size());
        if (line == delimiter)
          break;
      }
    }
    heredocs_.clear();
  }

  void separate(bool piped) {
    if (!commands_.back().words.empty() ||
        !commands_.back().out_targets.empty())
      commands_.emplace_back();
    commands_.back().piped = piped;
  }

  std::string_view s_;
  int depth_;
  std::size_t i_ = 0;
  std::string word_;
  bool in_word_ = false;
  bool pending_redirect_ = false;
  bool redirect_out_ = false;
  bool heredoc_ = false;
  bool heredoc_strip_ = false;
  std::vector<std::pair<std::string, bool>> heredocs_;
  std::vector<simple_command> commands_;
};

bash_verdict verdict_at(std::string_view command, int depth);

bash_verdict lexer::nested(std::string_view inner) const {
  return verdict_at(inner, depth_ + 1);
}

/// The fork bomb shape `f(){ f|f& };f` for any name f.
bool is_fork_bomb(std::string_view command) {
  std::string s;
  for (char c : command)
    if (c != ' ' && c != '\t' && c != '\n')
      s += c;
  for (auto at = s.find("(){"); at != std::string::npos;
       at = s.find("(){", at + 1)) {
    auto start = s.find_last_of(";&|\n", at == 0 ? 0 : at - 1);
    start = start == std::string::npos ? 0 : start + 1;
    if (at <= start)
      continue;
    const auto name = s.substr(start, at - start);
    if (s.compare(at + 3, 2 * name.size() + 2, name + "|" + name + "&") == 0)
      return true;
  }
  return false;
}

bash_verdict check(const simple_command& cmd, int depth) {
  for (const auto& target : cmd.out_targets)
    if (target.starts_with("/dev/") && !is_safe_dev(target))
      return deny("writing to " + target + " is not allowed in WRITE_SAFE");
  std::size_t k = 0;
  const auto& w = cmd.words;
  while (k < w.size()) {
    if (is_assignment(w[k]) || one_of(keywords, w[k])) {
      ++k;
    } else if (one_of(wrappers, w[k])) {
      for (++k; k < w.size() && (w[k].starts_with('-') ||
                                 (w[k][0] >= '0' && w[k][0] <= '9') ||
                                 is_assignment(w[k]) || w[k] == "{}");
           ++k) {
      }
    } else {
      break;
    }
  }
  if (k == w.size())
    return {};
  const auto program = base_name(w[k]);
  if (one_of(denied_programs, program) || program.starts_with("mkfs."))
    return deny("`" + std::string(program) +
                "` is not allowed in WRITE_SAFE");
  if (one_of(shells, program)) {
    for (auto j = k + 1; j + 1 < w.size(); ++j)
      if (w[j] == "-c")
        return depth > 8 ? deny("shells nested too deeply")
                         : verdict_at(w[j + 1], depth + 1);
    if (cmd.piped)
      return deny("piping into `" + std::string(program) +
                  "` is not allowed in WRITE_SAFE");
  }
  if (program == "tee")
    for (auto j = k + 1; j < w.size(); ++j)
      if (w[j].starts_with("/dev/") && !is_safe_dev(w[j]))
        return deny("writing to " + w[j] + " is not allowed in WRITE_SAFE");
  return {};
}

bash_verdict verdict_at(std::string_view command, int depth) {
  if (is_fork_bomb(command))
    return deny("a fork bomb is not allowed");
  lexer lex(command, depth);
  if (auto v = lex.run())
    return *v;
  for (const auto& cmd : lex.commands()) {
    auto v = check(cmd, depth);
    if (!v.allowed)
      return v;
  }
  return {};
}

const std::vector<std::string>& read_tools() {
  static const std::vector<std::string> tools{"Read", "Glob", "Grep",
                                              "WebFetch", "WebSearch"};
  return tools;
}

} // namespace

std::span<const std::string_view> write_safe_denied_programs() noexcept {
  return denied_programs;
}

std::vector<std::string> write_safe_bash_rules() {
  std::vector<std::string> rules;
  for (auto p : denied_programs)
    rules.push_back("Bash(" + std::string(p) + " *)");
  rules.emplace_back("Bash(mkfs.*)");
  // The CLI checks every part of a pipeline on its own (`curl x | sh`
  // meets `Bash(sh)`, `sh < f` too: redirections are stripped) and the
  // whole line as well (`* | sh *` holds `curl x | sh -x`); the whole-line
  // rule does not match a bare `| sh` at the end.
  for (std::string_view sh : {"sh", "bash", "dash", "zsh"}) {
    const std::string name{sh};
    rules.push_back("Bash(" + name + ")");
    rules.push_back("Bash(" + name + " -)");
    rules.push_back("Bash(" + name + " -s *)");
    rules.push_back("Bash(* | " + name + " *)");
  }
  // A function definition is checked by its body's commands and its
  // calls, never as a whole line: `:(){ :|:& };:` meets `Bash(:)`.
  rules.emplace_back("Bash(:)");
  return rules;
}

agent_flags flags_for(telclaude::tier t) {
  agent_flags f;
  switch (t) {
  case telclaude::tier::read_only:
    // Without `--tools`, dontAsk still runs the tools that need no
    // permission, and EnterWorktree writes a git worktree.
    f.tools = read_tools();
    f.allowed_tools = read_tools();
    f.disallowed_tools = {"Write", "Edit", "NotebookEdit", "Bash"};
    f.permission_mode = "dontAsk";
    break;
  case telclaude::tier::write_safe:
    f.allowed_tools = read_tools();
    for (const char* tool : {"Write", "Edit", "Bash"})
      f.allowed_tools.emplace_back(tool);
    f.disallowed_tools = write_safe_bash_rules();
    f.permission_mode = "acceptEdits";
    break;
  case telclaude::tier::full_access:
    f.permission_mode = "bypassPermissions";
    f.extra_env = {{"IS_SANDBOX", "1"}};
    f.needs_is_sandbox_env = true;
    break;
  }
  return f;
}

bash_verdict bash_command_verdict(std::string_view command) {
  return verdict_at(command, 0);
}

} // namespace telclaude::security
