#include "security/secrets_self_test.hpp"

#include "security/redaction_stream.hpp"
#include "security/secret_examples.hpp"

namespace telclaude::security {

std::vector<self_test_result>
run_secrets_self_test(const redaction_engine& engine) {
  std::mt19937_64 rng(20240501);
  std::vector<self_test_result> results;
  for (const auto& ex : make_secret_examples(rng)) {
    self_test_result r{ex.family, ex.pattern_id, true, false, false};
    const std::string text = "Here is the output you asked for:\n" + ex.text +
                             "\nDone.\n";
    const std::string once = engine.redact(text);
    r.redacted_ok =
      once.find("[REDACTED:" + ex.pattern_id + "]") != std::string::npos &&
      !reveals_any(once, ex.values);
    redaction_stream stream(engine.shared_from_this());
    std::string streamed;
    for (std::size_t i = 0; i < text.size(); i += 7) {
      stream.write(std::string_view(text).substr(i, 7), streamed);
    }
    stream.finish(streamed);
    r.streamed_ok = streamed == once;
    results.push_back(std::move(r));
  }
  return results;
}

} // namespace telclaude::security
