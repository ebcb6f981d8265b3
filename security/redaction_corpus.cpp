#include "security/redaction_corpus.hpp"

#include "security/secret_examples.hpp"

#include <array>
#include <random>
#include <span>
#include <string_view>
#include <vector>

namespace telclaude::security {

namespace {

namespace a = alphabets;

constexpr std::array<std::string_view, 64> words{
  "the", "agent", "reads", "file", "and", "then", "writes", "a", "patch",
  "for", "build", "test", "which", "fails", "because", "of", "missing",
  "header", "we", "should", "update", "config", "so", "that", "relay",
  "stream", "message", "user", "chat", "output", "error", "function",
  "returns", "value", "when", "input", "is", "empty", "this", "change",
  "keeps", "behaviour", "same", "across", "threads", "queue", "is", "drained",
  "before", "shutdown", "in", "order", "to", "avoid", "losing", "updates",
  "database", "schema", "migration", "is", "not", "needed", "here", "now"};

constexpr std::array<std::string_view, 16> idents{
  "parse_update", "chatSession", "retryAfter", "max_tokens", "handleRequest",
  "read_config", "outboxQueue", "session_id", "buildArgs", "rate_window",
  "userTier", "approval_code", "sendMessage", "offset", "pending_edits",
  "redactor"};

std::string pick(std::mt19937_64& rng, std::span<const std::string_view> v) {
  return std::string(v[rng() % v.size()]);
}

std::string number(std::mt19937_64& rng, unsigned max) {
  return std::to_string(rng() % max);
}

std::string prose(std::mt19937_64& rng) {
  std::string p;
  const auto sentences = 3 + rng() % 5;
  for (unsigned s = 0; s < sentences; ++s) {
    const auto n = 6 + rng() % 14;
    for (unsigned w = 0; w < n; ++w) {
      std::string word = pick(rng, words);
      if (w == 0) {
        word[0] = static_cast<char>(word[0] - 'a' + 'A');
      }
      p += word;
      p += w + 1 == n ? ". " : (rng() % 9 == 0 ? ", " : " ");
    }
  }
  p += "\n\n";
  return p;
}

std::string code(std::mt19937_64& rng) {
  const auto f = pick(rng, idents);
  const auto g = pick(rng, idents);
  switch (rng() % 5) {
  case 0:
    return "```cpp\nstd::optional<int> " + f + "(const std::string& " + g +
           ") {\n  if (" + g + ".empty()) {\n    return std::nullopt;\n  }\n"
           "  auto it = cache_.find(" + g + ");\n  return it == cache_.end() ? "
           "std::nullopt : std::optional<int>(it->second + " +
           number(rng, 1000) + ");\n}\n```\n";
  case 1:
    return "```python\ndef " + f + "(" + g + ", timeout=" + number(rng, 60) +
           "):\n    \"\"\"Return the parsed value or None.\"\"\"\n    for item "
           "in " + g + ".items():\n        if item.key == \"" + f +
           "\":\n            return int(item.value) * " + number(rng, 100) +
           "\n    return None\n```\n";
  case 2:
    return "```js\nexport async function " + f + "(" + g + ") {\n  const res "
           "= await fetch(`/api/v1/${" + g + "}`, { method: 'POST' });\n  if "
           "(!res.ok) throw new Error(`status ${res.status}`);\n  return "
           "res.json();\n}\n```\n";
  case 3:
    return "```go\nfunc " + f + "(ctx context.Context, " + g +
           " string) (int, error) {\n\tn, err := strconv.Atoi(" + g +
           ")\n\tif err != nil {\n\t\treturn 0, fmt.Errorf(\"parse %q: %w\", " +
           g + ", err)\n\t}\n\treturn n + " + number(rng, 99) + ", nil\n}\n```\n";
  default:
    return "```rust\nfn " + f + "(" + g + ": &str) -> Result<u32, Error> {\n"
           "    let v: u32 = " + g + ".trim().parse()?;\n    Ok(v.saturating_"
           "mul(" + number(rng, 50) + "))\n}\n```\n";
  }
}

std::string shell(std::mt19937_64& rng) {
  switch (rng() % 5) {
  case 0:
    return "$ git log --oneline -3\n" + random_string(rng, a::hex, 7) +
           " Fix retry loop in outbox\n" + random_string(rng, a::hex, 7) +
           " Add rate window tests\ncommit " + random_string(rng, a::hex, 40) +
           "\nAuthor: Dev <dev@example.com>\n";
  case 1:
    return "$ ls -l src/\n-rw-r--r-- 1 dev dev  " + number(rng, 99999) +
           " Jan 12 10:0" + number(rng, 10) + " " + pick(rng, idents) +
           ".cpp\ndrwxr-xr-x 2 dev dev   4096 Jan 12 09:58 tests\n";
  case 2:
    return "[" + number(rng, 100) + "/212] Building CXX object "
           "security/CMakeFiles/telclaude_security.dir/" + pick(rng, idents) +
           ".cpp.o\n/home/dev/telclaude/security/" + pick(rng, idents) +
           ".cpp:" + number(rng, 600) + ":12: warning: unused variable '" +
           pick(rng, idents) + "' [-Wunused-variable]\n";
  case 3:
    return "Collecting requests==2.31.0\n  Downloading requests-2.31.0-py3-"
           "none-any.whl (62 kB)\n  sha256=" + random_string(rng, a::hex, 64) +
           "\nSuccessfully installed requests-2.31.0 urllib3-2." +
           number(rng, 9) + ".0\n";
  default:
    return "$ docker pull ghcr.io/telclaude/relay:1." + number(rng, 20) +
           "\nDigest: sha256:" + random_string(rng, a::hex, 64) +
           "\nStatus: Downloaded newer image\n";
  }
}

std::string uuid(std::mt19937_64& rng) {
  return random_string(rng, a::hex, 8) + "-" + random_string(rng, a::hex, 4) +
         "-4" + random_string(rng, a::hex, 3) + "-a" +
         random_string(rng, a::hex, 3) + "-" + random_string(rng, a::hex, 12);
}

std::string json(std::mt19937_64& rng) {
  return "{\"id\": \"" + uuid(rng) + "\", \"type\": \"message\", \"created_at"
         "\": \"2024-05-" + number(rng, 28) + "T10:" + number(rng, 60) +
         ":00Z\", \"usage\": {\"input_tokens\": " + number(rng, 9000) +
         ", \"output_tokens\": " + number(rng, 4000) + "}, \"path\": \"/home/"
         "dev/project/" + pick(rng, idents) + ".py\", \"ok\": true}\n";
}

std::string markdown(std::mt19937_64& rng) {
  return "## " + pick(rng, idents) + "\n\n- See https://docs.example.com/"
         "guides/" + pick(rng, idents) + "?lang=en#usage\n- Run `make test` "
         "then `./build/bin/" + pick(rng, idents) + " --verbose`\n\n";
}

} // namespace

std::string generate_corpus(std::size_t bytes, std::uint64_t seed,
                            corpus_info* info) {
  std::mt19937_64 rng(seed);
  std::string out;
  out.reserve(bytes + 8192);
  std::size_t planted = 0;
  std::size_t next_plant = 2048;
  std::vector<secret_example> examples;
  std::size_t family = 0;
  while (out.size() < bytes) {
    switch (rng() % 6) {
    case 0:
    case 1:
      out += prose(rng);
      break;
    case 2:
      out += code(rng);
      break;
    case 3:
      out += shell(rng);
      break;
    case 4:
      out += json(rng);
      break;
    default:
      out += markdown(rng);
      break;
    }
    if (out.size() >= next_plant) {
      if (family == examples.size()) {
        examples = make_secret_examples(rng);
        family = 0;
      }
      out += examples[family++].text;
      out += "\n";
      ++planted;
      next_plant = out.size() + 3072 + rng() % 2048;
    }
  }
  if (info != nullptr) {
    *info = {out.size(), planted};
  }
  return out;
}

} // namespace telclaude::security
