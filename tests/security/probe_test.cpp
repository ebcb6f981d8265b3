#define BOOST_TEST_MODULE probe
#include <boost/test/unit_test.hpp>

#include "security/core_patterns.hpp"
#include "security/probe.hpp"
#include "security/secret_examples.hpp"

#include <hs/hs.h>

#include <map>
#include <random>
#include <set>
#include <string>

using namespace telclaude::security;

namespace {

/// Every match end of `expr` in `text` (Hyperscan block mode).
std::set<std::size_t> match_ends(const std::string& expr,
                                 const std::string& text) {
  struct compiled {
    hs_database_t* db = nullptr;
    hs_scratch_t* scratch = nullptr;
    compiled() = default;
    compiled(const compiled&) = delete;
    compiled& operator=(const compiled&) = delete;
    ~compiled() {
      hs_free_scratch(scratch);
      hs_free_database(db);
    }
  };
  static std::map<std::string, compiled> cache;
  auto& c = cache[expr];
  if (c.db == nullptr) {
    hs_compile_error_t* err = nullptr;
    if (hs_compile(expr.c_str(), 0, HS_MODE_BLOCK, nullptr, &c.db, &err) !=
        HS_SUCCESS) {
      const std::string why = err->message;
      hs_free_compile_error(err);
      BOOST_FAIL(expr << ": " << why);
    }
    hs_alloc_scratch(c.db, &c.scratch);
  }
  hs_database_t* db = c.db;
  hs_scratch_t* scratch = c.scratch;
  std::set<std::size_t> ends;
  hs_scan(
    db, text.data(), static_cast<unsigned>(text.size()), 0, scratch,
    [](unsigned, unsigned long long, unsigned long long to, unsigned,
       void* ctx) {
      static_cast<std::set<std::size_t>*>(ctx)->insert(
        static_cast<std::size_t>(to));
      return 0;
    },
    &ends);
  return ends;
}

/// Match ends found the redactor's way: the trigger, then the tail fed in
/// random pieces.
std::set<std::size_t> probed_ends(const core_pattern& p,
                                  const std::string& text,
                                  std::mt19937_64& rng) {
  std::set<std::size_t> ends;
  for (const auto t : match_ends(std::string(p.trigger), text)) {
    // The stream's shortcut, on the bytes of a write of random length:
    // when it says "fails", the probe must fail.
    const bool early =
      t < text.size() &&
      probe_fails_at_first_run(p.tail, text.data() + t,
                               1 + rng() % (text.size() - t));
    probe_state state;
    std::size_t pos = t;
    for (;;) {
      const std::size_t n =
        std::min<std::size_t>(1 + rng() % 7, text.size() - pos);
      std::size_t used = 0;
      const auto r = feed_probe(p.tail, state, text.data() + pos, n, used);
      BOOST_TEST_REQUIRE(used <= n);
      pos += used;
      if (r == probe_result::match) {
        BOOST_TEST_REQUIRE(!early, p.id << " at " << t);
        ends.insert(pos);
        break;
      }
      if (r == probe_result::fail || pos == text.size()) {
        break;
      }
      BOOST_TEST_REQUIRE(used == n);  // `more` takes every byte
    }
  }
  return ends;
}

/// The expression whose match ends a probed pattern must reproduce.
std::string reference(const core_pattern& p) {
  if (p.id == "totp-seed") {
    // The keyword alone (the value is parsed by hand).
    return std::string(p.trigger) +
           "[_-]?(?:secret|SECRET|Secret|seed|SEED|Seed|key|KEY|Key)";
  }
  return std::string(p.regex);
}

} // namespace

BOOST_AUTO_TEST_CASE(every_probe_matches_exactly_where_its_regex_does) {
  std::mt19937_64 rng(7);
  // Pieces that make near misses: separators, label words, digits.
  const std::vector<std::string> noise = {
    " ", "\n", "\t", "-", "_", ".", ":", "@", "/", "=", "\"", "'", "a", "Z",
    "0", "9", "AA", "PRIVATE", " KEY", " BLOCK", "-----", "RSA ", "EC ",
    "T3BlbkFJ", "sk-", "://", "user", ":pw", "@host", "_secret", "SEED",
    "-key", "Key", "x"};
  std::size_t probed = 0;
  std::size_t matched = 0;
  for (const auto& p : core_patterns()) {
    if (p.tail.empty()) {
      continue;
    }
    ++probed;
    BOOST_TEST_REQUIRE((p.kind != extent::assignment || p.id == "totp-seed"),
                       p.id);
    const auto ref = reference(p);
    for (int round = 0; round < 1500; ++round) {
      auto examples = make_secret_examples(rng);
      std::string text;
      for (int k = 0; k < 6; ++k) {
        std::string piece = examples[rng() % examples.size()].text;
        // Cut, mutate and glue pieces so near misses of every kind occur.
        if (rng() % 2 == 0 && !piece.empty()) {
          piece.resize(rng() % piece.size());
        }
        for (int m = static_cast<int>(rng() % 4); m > 0 && !piece.empty();
             --m) {
          piece[rng() % piece.size()] =
            noise[rng() % noise.size()][0];
        }
        text += piece;
        text += noise[rng() % noise.size()];
      }
      if (round % 3 == 0) {
        // Labels of every length around the 40-byte limit.
        text += "-----BEGIN " + std::string(rng() % 48, 'A') +
                " PRIVATE KEY" + (rng() % 2 ? " BLOCK" : "") + "-----";
        text += "\"private_key\"" + std::string(rng() % 5, ' ') + ":" +
                std::string(rng() % 5, '\t') + "\"-----BEGIN" +
                std::string(rng() % 44, 'B') + "PRIVATE KEY-----";
        text += "db://" + std::string(rng() % 70, 'u') + ":" +
                std::string(rng() % 135, 'p') + "@h ";
      }
      const auto want = match_ends(ref, text);
      const auto got = probed_ends(p, text, rng);
      matched += want.size();
      BOOST_TEST_REQUIRE((got == want), p.id << " (" << p.family
                                             << ") on: " << text);
    }
  }
  BOOST_TEST(probed >= 20u);
  BOOST_TEST_MESSAGE(probed << " probed patterns, " << matched
                            << " matches compared");
}

BOOST_AUTO_TEST_CASE(a_run_with_a_range_is_followed_by_a_byte_it_cannot_take) {
  // Greedy matching equals the regex only then (see `probe_step`).
  for (const auto& p : core_patterns()) {
    for (std::size_t i = 0; i < p.tail.size(); ++i) {
      const auto& st = p.tail[i];
      if (st.kind != step_kind::run || st.min == st.max) {
        continue;
      }
      BOOST_TEST_REQUIRE(i + 1 < p.tail.size(), p.id);
      const auto& next = p.tail[i + 1];
      if (next.kind == step_kind::text) {
        BOOST_TEST(!st.set.has(next.text[0]), p.id);
      } else if (next.kind == step_kind::words) {
        for (const auto w : next.words) {
          BOOST_TEST(!st.set.has(w[0]), p.id);
        }
      } else {
        BOOST_FAIL(p.id << ": a ranged run before a run or label");
      }
    }
  }
}
