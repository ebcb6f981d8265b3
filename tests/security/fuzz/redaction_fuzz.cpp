// libFuzzer target for the streaming redactor. Fuzz bytes become ordinary
// text with generated CORE secrets planted between them, and a chunking.
// Properties: streaming output == one-shot output, and no 8-byte window of
// a planted secret survives (entropy-only examples are statistical and
// excluded from the second check).
#include "security/redaction_stream.hpp"
#include "security/secret_examples.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>

using namespace telclaude::security;

namespace {

const std::shared_ptr<const redaction_engine>& engine(bool with_user) {
  static const auto plain = redaction_engine::compile({});
  static const auto user = [] {
    redaction_settings s;
    s.additional_patterns = {{"ticket", "TICKET-[0-9]{4}\\b"},
                             {"wide", "wide-[a-z]+-end"}};
    return redaction_engine::compile(s);
  }();
  return with_user ? user : plain;
}

[[noreturn]] void fail(const char* what, const std::string& text,
                       const std::string& out) {
  std::fprintf(stderr, "redaction property broken: %s\ninput (%zu bytes):\n",
               what, text.size());
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fprintf(stderr, "\noutput:\n");
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fprintf(stderr, "\n");
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  FuzzedDataProvider in(data, size);
  const bool with_user = in.ConsumeBool();
  std::mt19937_64 rng(in.ConsumeIntegral<std::uint64_t>());
  const auto examples = make_secret_examples(rng);
  std::string text;
  std::string fuzz_text;
  std::vector<std::string> planted;
  const int parts = in.ConsumeIntegralInRange(1, 6);
  for (int p = 0; p < parts; ++p) {
    const auto piece = in.ConsumeRandomLengthString(512);
    text += piece;
    fuzz_text += piece;
    if (in.ConsumeBool()) {
      fuzz_text += "\n\x01\n";
      const auto& ex = examples[in.ConsumeIntegralInRange<std::size_t>(
        0, examples.size() - 1)];
      text += "\n" + ex.text + "\n";
      if (ex.pattern_id != entropy_pattern_id) {
        planted.insert(planted.end(), ex.values.begin(), ex.values.end());
      }
    }
  }
  const auto& e = engine(with_user);
  const auto once = e->redact(text);
  redaction_stream stream(e);
  std::string out;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto n = std::min<std::size_t>(
      in.remaining_bytes() > 0 ? in.ConsumeIntegralInRange(1, 300) : 17,
      text.size() - pos);
    stream.write(std::string_view(text).substr(pos, n), out);
    pos += n;
  }
  stream.finish(out);
  if (out != once) {
    fail("streamed output differs from one-shot output", text, out);
  }
  // A window the fuzzer wrote into its own text (it learns bytes from
  // comparisons) is not a leak: `fuzz_text` is the text without the
  // planted examples.
  for (const auto& v : planted) {
    for (std::size_t i = 0; i + 8 <= v.size(); ++i) {
      const auto w = std::string_view(v).substr(i, 8);
      if (out.find(w) != std::string::npos &&
          fuzz_text.find(w) == std::string::npos) {
        fail(("a planted secret survived redaction: " + std::string(w))
               .c_str(),
             text, out);
      }
    }
  }
  return 0;
}
