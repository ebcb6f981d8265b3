// telclaude-scripted-agent: a stand-in for the `claude` CLI that speaks the
// same stream-json protocol (the line shapes recorded from the real CLI in
// tests/agent/fixtures/), for tests, benchmarks and the local demo.
//
// It takes the flags the relay passes (-p, --output-format stream-json,
// --verbose, --model, --resume, --include-partial-messages; others are
// ignored) and keeps each session's turn count under $HOME, so a reply says
// "Echo #<turn>: <prompt>" and a resume that the relay got wrong shows.
// Directives in the prompt drive tests:
//   [[sleep N]]        wait N seconds (SIGINT: interrupted, exit 0;
//                      SIGTERM: exit 143)
//   [[crash]]          exit 1 without a result
//   [[error]]          an API-error result (is_error), exit 1
//   [[long N]]         N characters of text with paragraphs and code
//   [[chunks a|b|c]]   the text in several assistant events
//   [[tool NAME ARG]]  a tool_use and its tool_result
//   [[env NAME]]       the value of an environment variable, or "unset"
//   [[flags]]          the permission mode and the number of allowed and
//                      disallowed tool rules it was started with
//   [[read PATH]]      a file's contents, or the error
//   [[delta]]          stream_event text deltas (--include-partial-messages)
//   [[leak]]           a made-up Anthropic-shaped key (generated here, never
//                      committed), streamed in deltas that split it
//   [[leaktool]]       a Bash tool_use whose command carries a made-up
//                      GitHub-shaped token (generated here)

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::atomic<bool> interrupted{false};

extern "C" void on_sigint(int) {
  interrupted = true;
}

extern "C" void on_sigterm(int) {
  ::_exit(143);
}

struct options {
  std::string prompt;
  std::string model = "claude-scripted";
  std::string resume;
  std::string output_format;
  bool verbose = false;
  bool partial = false;
  /// What the caller allowed: --permission-mode, and how many rules
  /// --allowedTools / --disallowedTools carried.
  std::string permission_mode;
  std::size_t allowed = 0;
  std::size_t disallowed = 0;
};

options parse_args(int argc, char** argv) {
  options opt;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      return i + 1 < argc ? argv[++i] : std::string{};
    };
    if (arg == "--") {
      for (++i; i < argc; ++i)
        positional.emplace_back(argv[i]);
    } else if (arg == "--output-format") {
      opt.output_format = value();
    } else if (arg == "--model") {
      opt.model = value();
    } else if (arg == "--resume" || arg == "-r") {
      opt.resume = value();
    } else if (arg == "--verbose") {
      opt.verbose = true;
    } else if (arg == "--include-partial-messages") {
      opt.partial = true;
    } else if (arg == "--permission-mode") {
      opt.permission_mode = value();
    } else if (arg == "--input-format" || arg == "--max-turns"
               || arg == "--append-system-prompt") {
      value();
    } else if (arg == "--tools") {
      while (i + 1 < argc && argv[i + 1][0] != '-')
        ++i;
    } else if (arg == "--allowedTools" || arg == "--disallowedTools") {
      auto& n = arg == "--allowedTools" ? opt.allowed : opt.disallowed;
      while (i + 1 < argc && argv[i + 1][0] != '-') {
        ++i;
        ++n;
      }
    } else if (!arg.starts_with("-")) {
      positional.push_back(arg);
    }
  }
  if (!positional.empty())
    opt.prompt = positional.back();
  return opt;
}

void emit(const json& line) {
  std::string text = line.dump(-1, ' ', false,
                               json::error_handler_t::replace);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::string new_session_id() {
  std::random_device device;
  std::mt19937_64 random{(static_cast<std::uint64_t>(device()) << 32)
                         ^ device()};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%08x-%04x-4%03x-8%03x-%012llx",
                static_cast<unsigned>(random()),
                static_cast<unsigned>(random() & 0xffff),
                static_cast<unsigned>(random() & 0xfff),
                static_cast<unsigned>(random() & 0xfff),
                static_cast<unsigned long long>(random() & 0xffffffffffffULL));
  return buffer;
}

fs::path session_file(const std::string& id) {
  const char* home = std::getenv("HOME");
  return fs::path{home ? home : "/tmp"} / ".scripted-agent" / "sessions"
         / (id + ".turns");
}

/// A directive "[[name arg]]" taken out of the prompt.
struct directive {
  std::string name;
  std::string arg;
};

std::vector<directive> take_directives(std::string& prompt) {
  std::vector<directive> out;
  std::string rest;
  std::size_t pos = 0;
  while (true) {
    auto open = prompt.find("[[", pos);
    auto close = open == std::string::npos ? open : prompt.find("]]", open);
    if (close == std::string::npos) {
      rest += prompt.substr(pos);
      break;
    }
    rest += prompt.substr(pos, open - pos);
    std::string body = prompt.substr(open + 2, close - open - 2);
    auto space = body.find(' ');
    out.push_back({body.substr(0, space),
                   space == std::string::npos ? "" : body.substr(space + 1)});
    pos = close + 2;
  }
  auto first = rest.find_first_not_of(" \n");
  auto last = rest.find_last_not_of(" \n");
  prompt = first == std::string::npos ? "" : rest.substr(first,
                                                         last - first + 1);
  return out;
}

std::string long_text(std::size_t n) {
  static const char* paragraph
    = "The relay reads each line the agent prints, passes it through the "
      "redactor and sends it on, so a long answer arrives in pieces that "
      "are each small enough for one Telegram message.\n\n";
  static const char* code = "```cpp\nint main() {\n  return 0;\n}\n```\n\n";
  std::string out;
  for (int i = 0; out.size() < n; ++i)
    out += i % 3 == 2 ? code : paragraph;
  out.resize(n);
  return out;
}

struct turn {
  const options& opt;
  std::string session_id;
  long number = 1;
  std::string reply;
  int tool_count = 0;

  json assistant(json content, bool synthetic = false) const {
    return {{"type", "assistant"},
            {"message",
             {{"id", "msg_scripted"},
              {"type", "message"},
              {"role", "assistant"},
              {"model", synthetic ? "<synthetic>" : opt.model},
              {"content", std::move(content)},
              {"stop_reason", nullptr},
              {"usage", {{"input_tokens", 10}, {"output_tokens", 5}}}}},
            {"parent_tool_use_id", nullptr},
            {"session_id", session_id}};
  }

  void text(const std::string& piece, bool deltas) {
    if (deltas && opt.partial)
      for (std::size_t i = 0; i < piece.size(); i += 16)
        emit({{"type", "stream_event"},
              {"event",
               {{"type", "content_block_delta"},
                {"index", 0},
                {"delta",
                 {{"type", "text_delta"}, {"text", piece.substr(i, 16)}}}}},
              {"session_id", session_id},
              {"parent_tool_use_id", nullptr}});
    emit(assistant(json::array({{{"type", "text"}, {"text", piece}}})));
    reply += piece;
  }

  void tool(const std::string& spec) {
    auto space = spec.find(' ');
    std::string name = spec.substr(0, space);
    std::string arg = space == std::string::npos ? "" : spec.substr(space + 1);
    std::string id = "toolu_scripted" + std::to_string(++tool_count);
    json input = name == "Bash" ? json{{"command", arg}}
                                : json{{"file_path", arg}};
    emit(assistant(json::array({{{"type", "tool_use"},
                                 {"id", id},
                                 {"name", name},
                                 {"input", input}}})));
    emit({{"type", "user"},
          {"message",
           {{"role", "user"},
            {"content", json::array({{{"type", "tool_result"},
                                      {"tool_use_id", id},
                                      {"content", "ok"},
                                      {"is_error", false}}})}}},
          {"parent_tool_use_id", nullptr},
          {"session_id", session_id}});
  }

  json result(const std::string& subtype, bool is_error,
              const std::string& text, const std::string& reason) const {
    return {{"type", "result"},
            {"subtype", subtype},
            {"is_error", is_error},
            {"duration_ms", 1},
            {"duration_api_ms", 0},
            {"num_turns", 1 + tool_count},
            {"result", text},
            {"stop_reason", is_error ? json(nullptr) : json("end_turn")},
            {"session_id", session_id},
            {"total_cost_usd", 0.001 * static_cast<double>(number)},
            {"usage", {{"input_tokens", 10}, {"output_tokens", 5}}},
            {"permission_denials", json::array()},
            {"terminal_reason", reason},
            {"api_error_status", is_error ? json(500) : json(nullptr)}};
  }
};

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return "error: " + path + ": " + std::strerror(errno);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigterm);
  auto opt = parse_args(argc, argv);
  if (opt.output_format != "stream-json" || !opt.verbose) {
    std::fputs("Error: telclaude-scripted-agent speaks only --output-format "
               "stream-json --verbose\n",
               stderr);
    return 1;
  }
  turn t{opt, opt.resume.empty() ? new_session_id() : opt.resume, 1, {}, 0};
  if (!opt.resume.empty()) {
    std::ifstream state{session_file(opt.resume)};
    if (opt.resume.find('/') != std::string::npos || !(state >> t.number)) {
      std::string error = "No conversation found with session ID: "
                          + opt.resume;
      std::fputs((error + "\n").c_str(), stderr);
      auto line = t.result("error_during_execution", true, "", "");
      line.erase("result");
      line["num_turns"] = 0;
      line["total_cost_usd"] = 0;
      line["api_error_status"] = nullptr;
      line["errors"] = json::array({error});
      emit(line);
      return 1;
    }
    ++t.number;
  }
  std::error_code ec;
  fs::create_directories(session_file(t.session_id).parent_path(), ec);
  std::ofstream{session_file(t.session_id)} << t.number << '\n';
  char cwd[4096] = "";
  if (::getcwd(cwd, sizeof cwd) == nullptr)
    cwd[0] = '\0';
  emit({{"type", "system"},
        {"subtype", "init"},
        {"cwd", cwd},
        {"session_id", t.session_id},
        {"tools", {"Bash", "Edit", "Read", "Write"}},
        {"mcp_servers", json::array()},
        {"model", opt.model},
        {"permissionMode",
         opt.permission_mode.empty() ? "default" : opt.permission_mode},
        {"apiKeySource", "none"},
        {"claude_code_version", "scripted"}});

  std::string prompt = opt.prompt;
  auto directives = take_directives(prompt);
  bool deltas = false;
  bool spoke = false;
  for (const auto& d : directives) {
    if (d.name == "delta") {
      deltas = true;
    } else if (d.name == "sleep") {
      auto until = std::chrono::steady_clock::now()
                   + std::chrono::milliseconds{
                     static_cast<long>(std::atof(d.arg.c_str()) * 1000)};
      while (!interrupted && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
      if (interrupted) {
        emit({{"type", "user"},
              {"message",
               {{"role", "user"},
                {"content", json::array({{{"type", "text"},
                                          {"text", "[Request interrupted by "
                                                   "user]"}}})}}},
              {"parent_tool_use_id", nullptr},
              {"session_id", t.session_id}});
        emit(t.result("error_during_execution", false, "", "interrupted"));
        return 0;
      }
    } else if (d.name == "crash") {
      std::fputs("scripted crash\n", stderr);
      return 1;
    } else if (d.name == "error") {
      std::string error = "API Error: 500 scripted failure";
      emit(t.assistant(json::array({{{"type", "text"}, {"text", error}}}),
                       true));
      emit(t.result("success", true, error, "api_error"));
      return 1;
    } else if (d.name == "long") {
      t.text(long_text(std::strtoul(d.arg.c_str(), nullptr, 10)), deltas);
      spoke = true;
    } else if (d.name == "chunks") {
      std::size_t pos = 0;
      while (true) {
        auto bar = d.arg.find('|', pos);
        t.text(d.arg.substr(pos, bar - pos), deltas);
        if (bar == std::string::npos)
          break;
        pos = bar + 1;
      }
      spoke = true;
    } else if (d.name == "tool") {
      t.tool(d.arg);
    } else if (d.name == "env") {
      const char* value = std::getenv(d.arg.c_str());
      t.text(d.arg + (value ? "=" + std::string{value} : " unset"), deltas);
      spoke = true;
    } else if (d.name == "flags") {
      t.text("mode=" + (opt.permission_mode.empty() ? "default"
                                                     : opt.permission_mode)
               + " allowed=" + std::to_string(opt.allowed)
               + " disallowed=" + std::to_string(opt.disallowed),
             deltas);
      spoke = true;
    } else if (d.name == "leak") {
      // Shaped like an Anthropic key so the redactor must catch it even
      // though it straddles two events; the characters are generated.
      std::string key = "sk-ant-api03-";
      for (int i = 0; i < 93; ++i)
        key += "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
          [(i * 37 + t.number * 11) % 57];
      key += "AA";
      // One text block; with --include-partial-messages it streams in
      // 16-byte deltas, so the key straddles several events.
      t.text("Found in .env: ANTHROPIC_API_KEY=" + key
               + "\nThat key should be rotated.",
             true);
      spoke = true;
    } else if (d.name == "leaktool") {
      // A tool input that carries a secret: its progress line must pass
      // the redactor too. The characters are generated.
      std::string token = "ghp_";
      for (int i = 0; i < 36; ++i)
        token += "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
          [(i * 13 + t.number * 5) % 57];
      t.tool("Bash echo " + token + " | gh auth login --with-token");
    } else if (d.name == "read") {
      t.text(read_file(d.arg), deltas);
      spoke = true;
    }
  }
  if (!spoke)
    t.text("Echo #" + std::to_string(t.number) + ": " + prompt, deltas);
  emit(t.result("success", false, t.reply, "completed"));
  return 0;
}
