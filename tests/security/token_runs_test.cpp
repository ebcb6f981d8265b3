#define BOOST_TEST_MODULE token_runs
#include <boost/test/unit_test.hpp>

#include "security/char_class.hpp"
#include "security/token_runs.hpp"

#include <random>
#include <string>

using namespace telclaude::security;

namespace {

/// Begins of runs of at least `min` entropy-alphabet bytes, the slow way.
std::vector<std::uint64_t> reference(const std::string& s, std::size_t min) {
  std::vector<std::uint64_t> out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (!in_alphabet(alpha::entropy, s[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && in_alphabet(alpha::entropy, s[j])) {
      ++j;
    }
    if (j - i >= min) {
      out.push_back(i);
    }
    i = j;
  }
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(finds_every_run_in_any_chunking) {
  std::mt19937_64 rng(99);
  const std::string bytes = "aZ09+/_- .:\n\"";
  for (int round = 0; round < 3000; ++round) {
    std::string s(rng() % 400, ' ');
    // Long runs with occasional breaks, so runs of every length occur.
    const unsigned breaks = 1 + rng() % 60;
    for (auto& c : s) {
      c = rng() % breaks == 0 ? bytes[8 + rng() % 5] : bytes[rng() % 8];
    }
    for (std::size_t min : {16u, 24u, 32u, 100u}) {
      token_run_finder f(min);
      std::vector<std::uint64_t> got;
      for (std::size_t pos = 0; pos < s.size();) {
        const std::size_t n = 1 + rng() % (round % 3 == 0 ? 200 : 70);
        const std::size_t len = std::min(n, s.size() - pos);
        f.scan(s.data() + pos, len, pos, got);
        pos += len;
      }
      BOOST_TEST_REQUIRE(got == reference(s, min), "round " << round);
    }
  }
}

BOOST_AUTO_TEST_CASE(finds_every_run_in_long_writes) {
  // Writes of several KiB: runs across the finder's 4 KiB batches, and
  // runs of every length up to several blocks.
  std::mt19937_64 rng(7);
  const std::string bytes = "aZ09+/_- .:\n\"";
  for (int round = 0; round < 200; ++round) {
    std::string s(4096 + rng() % 20000, ' ');
    const unsigned breaks = 1 + rng() % 200;
    for (auto& c : s) {
      c = rng() % breaks == 0 ? bytes[8 + rng() % 5] : bytes[rng() % 8];
    }
    for (std::size_t min : {16u, 24u, 32u, 64u, 65u, 100u, 128u}) {
      token_run_finder f(min);
      std::vector<std::uint64_t> got;
      for (std::size_t pos = 0; pos < s.size();) {
        const std::size_t n = round % 2 == 0 ? 1 + rng() % 9000 : s.size();
        const std::size_t len = std::min(n, s.size() - pos);
        f.scan(s.data() + pos, len, pos, got);
        pos += len;
      }
      BOOST_TEST_REQUIRE(got == reference(s, min), "round " << round);
    }
  }
}
