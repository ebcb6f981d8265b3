#define BOOST_TEST_MODULE redaction_stream
#include <boost/test/unit_test.hpp>

#include "security/redaction_stream.hpp"
#include "security/secret_examples.hpp"

#include <atomic>
#include <random>
#include <thread>

using namespace telclaude::security;

namespace {

std::string stream_with_cuts(const std::shared_ptr<const redaction_engine>& e,
                             std::string_view text,
                             const std::vector<std::size_t>& cuts,
                             std::vector<finding>* found = nullptr) {
  redaction_stream s(e);
  std::string out;
  std::size_t pos = 0;
  for (auto c : cuts) {
    s.write(text.substr(pos, c - pos), out);
    pos = c;
  }
  s.write(text.substr(pos), out);
  s.finish(out);
  if (found != nullptr) {
    *found = s.findings();
  }
  return out;
}

std::shared_ptr<const redaction_engine> engine_with_user_pattern() {
  redaction_settings s;
  s.additional_patterns = {{"ticket", "TICKET-[0-9]{4}\\b"}};
  return redaction_engine::compile(s);
}

} // namespace

BOOST_AUTO_TEST_CASE(every_split_point_and_random_splits_match_one_shot) {
  // Without user patterns nothing is held back by a fixed width: the
  // sharpest test of the hold-back rules.
  for (const auto& engine :
       {redaction_engine::compile({}), engine_with_user_pattern()}) {
  std::mt19937_64 rng(2024);
  for (const auto& ex : make_secret_examples(rng)) {
    const std::string text = "Output follows. TICKET-1234 " + ex.text +
                             " and then more text\n";
    std::vector<finding> once_found;
    const auto once = engine->redact(text, &once_found);
    BOOST_TEST_REQUIRE(!reveals_any(once, ex.values), ex.family << ": " << once);
    for (std::size_t cut = 1; cut < text.size(); ++cut) {
      std::vector<finding> found;
      const auto out = stream_with_cuts(engine, text, {cut}, &found);
      BOOST_TEST_REQUIRE(out == once, ex.family << " split at " << cut);
      BOOST_TEST_REQUIRE(found.size() == once_found.size());
    }
    for (int round = 0; round < 2000; ++round) {
      std::vector<std::size_t> cuts;
      for (std::size_t pos = rng() % 9; pos < text.size();
           pos += 1 + rng() % (round % 2 ? 64 : 6)) {
        cuts.push_back(pos);
      }
      const auto out = stream_with_cuts(engine, text, cuts);
      BOOST_TEST_REQUIRE(out == once, ex.family << " round " << round);
      BOOST_TEST_REQUIRE(!reveals_any(out, ex.values));
    }
  }
  }
}

BOOST_AUTO_TEST_CASE(holds_back_only_the_word_in_progress) {
  const auto engine = redaction_engine::compile({});
  redaction_stream s(engine);
  std::string out;
  const std::string prose =
    "The agent read the file and wrote a patch for the failing test. ";
  std::size_t most = 0;
  for (int i = 0; i < 50; ++i) {
    for (std::size_t p = 0; p < prose.size(); p += 5) {
      s.write(std::string_view(prose).substr(p, 5), out);
      most = std::max(most, s.held_bytes());
    }
  }
  BOOST_TEST(most <= 16u);
  s.finish(out);
  BOOST_TEST(s.held_bytes() == 0u);
  BOOST_TEST(out.size() == prose.size() * 50);
}

BOOST_AUTO_TEST_CASE(holds_a_pem_block_until_its_end) {
  const auto engine = redaction_engine::compile({});
  redaction_stream s(engine);
  std::string out;
  s.write("here:\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI", out);
  BOOST_TEST(out == "here:\n-----BEGIN EC PRIVATE KEY-----");
  s.write("Nk1qaGZkd2VyZnNkZmdzZGZn\n-----END EC PRIVATE KEY-----\nnext ",
          out);
  BOOST_TEST(out == "here:\n-----BEGIN EC PRIVATE KEY-----"
                    "[REDACTED:private-key]\nnext ");
  BOOST_TEST(s.findings().size() == 1u);
  BOOST_TEST(s.findings()[0].pattern_id == "private-key");
}

BOOST_AUTO_TEST_CASE(a_token_split_across_writes_never_escapes) {
  const auto engine = redaction_engine::compile({});
  std::mt19937_64 rng(1);
  const auto token = "ghp_" + random_string(rng, alphabets::base62, 36);
  redaction_stream s(engine);
  std::string out;
  s.write("token " + token.substr(0, 20), out);
  BOOST_TEST(out.find("ghp_") == std::string::npos);
  s.write(token.substr(20) + " done", out);
  s.finish(out);
  BOOST_TEST(out == "token [REDACTED:github-token] done");
}

BOOST_AUTO_TEST_CASE(finish_ends_and_reset_restarts) {
  const auto engine = redaction_engine::compile({});
  redaction_stream s(engine);
  std::string out;
  s.write("hello", out);
  s.finish(out);
  BOOST_TEST(out == "hello");
  BOOST_CHECK_THROW(s.write("x", out), std::logic_error);
  s.reset();
  out.clear();
  s.write("again", out);
  s.finish(out);
  BOOST_TEST(out == "again");
  BOOST_TEST(s.position() == 5u);
}

BOOST_AUTO_TEST_CASE(streams_share_one_engine_across_threads) {
  const auto engine = redaction_engine::compile({});
  std::mt19937_64 rng(4);
  const auto examples = make_secret_examples(rng);
  std::string text;
  for (const auto& ex : examples) {
    text += ex.text + "\n";
  }
  const auto once = engine->redact(text);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::vector<std::size_t> cuts;
        for (std::size_t p = 1; p < text.size(); p += 3 + t + i) {
          cuts.push_back(p);
        }
        mismatches += stream_with_cuts(engine, text, cuts) != once;
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  BOOST_TEST(mismatches.load() == 0);
}

BOOST_AUTO_TEST_CASE(runs_judged_inside_a_write_match_runs_across_writes) {
  // A run that ends inside the write it starts in is judged on the spot;
  // one cut by a write boundary, or longer than an entropy piece, goes
  // through the carried state. Both must give the same output. Writes
  // over 512 bytes after held bytes are read as two segments (held bytes,
  // then the caller's chunk), smaller ones are appended: both occur here.
  const auto engine = redaction_engine::compile({});
  std::mt19937_64 rng(77);
  std::string text = "start ";
  for (std::size_t len : {31, 32, 33, 36, 64, 200, 255, 256, 257, 300, 513}) {
    text += random_string(rng, alphabets::base64, len) + " x ";
    text += random_string(rng, alphabets::hex, len) + "\n";
    std::string uuid = random_string(rng, alphabets::hex, 36);
    uuid[8] = uuid[13] = uuid[18] = uuid[23] = '-';
    text += "id " + uuid + " /usr/lib/x86_64-linux-gnu/libfoo.so ";
  }
  const auto once = engine->redact(text);
  for (std::size_t cut = 1; cut < text.size(); cut += 3) {
    BOOST_TEST_REQUIRE(stream_with_cuts(engine, text, {cut}) == once,
                       "split at " << cut);
  }
  for (int round = 0; round < 300; ++round) {
    std::vector<std::size_t> cuts;
    for (std::size_t pos = rng() % 9; pos < text.size();
         pos += 1 + rng() % (round % 3 == 0   ? 40
                              : round % 3 == 1 ? 300
                                               : 2000)) {
      cuts.push_back(pos);
    }
    BOOST_TEST_REQUIRE(stream_with_cuts(engine, text, cuts) == once,
                       "round " << round);
  }
}

BOOST_AUTO_TEST_CASE(every_run_finder_path_gives_the_same_output) {
  // The run finder has an AVX-512, an AVX2 and a portable path (the best
  // one the CPU has is used): each one, pinned, must redact exactly as the
  // best one does, one-shot and in random writes.
  const auto engine = redaction_engine::compile({});
  std::mt19937_64 rng(31);
  std::string text = "begin ";
  for (const auto& ex : make_secret_examples(rng)) {
    text += ex.text + " " +
            random_string(rng, alphabets::base64, 20 + rng() % 300) + "\n";
  }
  const auto best = engine->redact(text);
  for (auto isa : {run_finder_isa::portable, run_finder_isa::avx2,
                   run_finder_isa::avx512}) {
    if (isa > best_run_finder_isa()) {
      continue;
    }
    const auto before = set_run_finder_isa(isa);
    BOOST_TEST_REQUIRE(engine->redact(text) == best, static_cast<int>(isa));
    for (int round = 0; round < 200; ++round) {
      std::vector<std::size_t> cuts;
      for (std::size_t pos = rng() % 9; pos < text.size();
           pos += 1 + rng() % (round % 2 == 0 ? 70 : 5000)) {
        cuts.push_back(pos);
      }
      BOOST_TEST_REQUIRE(stream_with_cuts(engine, text, cuts) == best,
                         static_cast<int>(isa) << " round " << round);
    }
    set_run_finder_isa(before);
  }
}
