#define BOOST_TEST_MODULE redact_pipe
#include <boost/test/unit_test.hpp>

#include "security/redact_pipe.hpp"
#include "security/redaction_corpus.hpp"

#include <algorithm>
#include <sstream>

using namespace telclaude::security;

BOOST_AUTO_TEST_CASE(any_chunk_size_gives_the_one_shot_output) {
  const auto engine = redaction_engine::compile({});
  corpus_info info;
  const auto corpus = generate_corpus(256 * 1024, 3, &info);
  const auto once = engine->redact(corpus);
  for (std::size_t chunk : {1u, 7u, 64u, 4096u, 1u << 20}) {
    std::istringstream in(corpus);
    std::ostringstream out;
    std::ostringstream json;
    const auto r = redact_pipe(*engine, in, out, chunk, &json);
    BOOST_TEST(out.str() == once, "chunk " << chunk);
    BOOST_TEST(r.bytes == corpus.size());
    BOOST_TEST(r.findings >= info.planted);
    // One JSON object per finding, byte offsets only.
    const auto text = json.str();
    BOOST_TEST(static_cast<std::size_t>(
                 std::count(text.begin(), text.end(), '\n')) == r.findings);
    BOOST_TEST(text.find("\"begin\":") != std::string::npos);
  }
}
