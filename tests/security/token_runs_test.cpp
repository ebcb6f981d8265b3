#define BOOST_TEST_MODULE token_runs
#include <boost/test/unit_test.hpp>

#include "security/char_class.hpp"
#include "security/token_runs.hpp"

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <string_view>

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

/// `size` bytes: runs of the alphabet broken, one byte in 1 to `most`
/// at random, by one of `breakers`, so runs of every length occur.
std::string random_runs(std::mt19937_64& rng, std::size_t size,
                        unsigned most, std::string_view breakers) {
  const std::string_view alphabet = "aZ09+/_-";
  std::string s(size, ' ');
  const unsigned breaks = 1 + rng() % most;
  for (auto& c : s) {
    c = rng() % breaks == 0 ? breakers[rng() % breakers.size()]
                            : alphabet[rng() % alphabet.size()];
  }
  return s;
}

/// The finder's reports for `s` written in pieces of `next()` bytes.
template <class Next>
std::vector<std::uint64_t> found_in_writes(const std::string& s,
                                           std::size_t min, Next next) {
  token_run_finder f(min);
  std::vector<std::uint64_t> got;
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t len = std::min<std::size_t>(next(), s.size() - pos);
    f.scan(s.data() + pos, len, pos, got);
    pos += len;
  }
  return got;
}

/// Every path this CPU can run (AVX-512, AVX2, portable), each pinned in
/// turn while `body` runs.
template <class F>
void on_every_isa(F&& body) {
  const auto best = best_run_finder_isa();
  for (auto isa : {run_finder_isa::portable, run_finder_isa::avx2,
                   run_finder_isa::avx512}) {
    if (isa > best) {
      continue;
    }
    const auto before = set_run_finder_isa(isa);
    BOOST_TEST_CONTEXT("isa " << static_cast<int>(isa)) {
      body();
    }
    set_run_finder_isa(before);
  }
}

} // namespace

BOOST_AUTO_TEST_CASE(finds_every_run_in_any_chunking) {
  on_every_isa([] {
    std::mt19937_64 rng(99);
    for (int round = 0; round < 3000; ++round) {
      const std::size_t size = rng() % 400;
      const std::string s = random_runs(rng, size, 60, " .:\n\"");
      for (std::size_t min : {16u, 24u, 32u, 100u}) {
        const auto got = found_in_writes(s, min, [&] {
          return 1 + rng() % (round % 3 == 0 ? 200 : 70);
        });
        BOOST_TEST_REQUIRE(got == reference(s, min), "round " << round);
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(finds_every_run_in_long_writes) {
  on_every_isa([] {
    // Writes of several KiB: runs across the finder's 4 KiB batches, and
    // runs of every length up to several blocks.
    std::mt19937_64 rng(7);
    for (int round = 0; round < 200; ++round) {
      const std::size_t size = 4096 + rng() % 20000;
      const std::string s = random_runs(rng, size, 200, " .:\n\"");
      for (std::size_t min : {16u, 24u, 32u, 64u, 65u, 100u, 128u}) {
        const auto got = found_in_writes(s, min, [&] {
          return round % 2 == 0 ? 1 + rng() % 9000 : s.size();
        });
        BOOST_TEST_REQUIRE(got == reference(s, min), "round " << round);
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(run_length_and_visible_tail_at_every_length) {
  on_every_isa([] {
    std::mt19937_64 rng(5);
    for (int round = 0; round < 400; ++round) {
      // A buffer with nothing readable past `size` (the SIMD paths must
      // not read beyond it): the bytes end at the end of the allocation.
      const std::size_t size = rng() % 300;
      const std::string s = random_runs(rng, size, 150, "~!\x7f .:\n\"");
      const auto heap = std::make_unique<char[]>(size);
      std::copy(s.begin(), s.end(), heap.get());
      for (std::size_t from = 0; from <= size; ++from) {
        std::size_t run = from;
        while (run < size && in_alphabet(alpha::entropy, s[run])) {
          ++run;
        }
        BOOST_TEST_REQUIRE(token_run_length(heap.get() + from, size - from) ==
                             run - from,
                           "round " << round << " from " << from);
        std::size_t tail = 0;
        while (tail < from && in_alphabet(alpha::visible, s[from - tail - 1])) {
          ++tail;
        }
        BOOST_TEST_REQUIRE(visible_tail_length(heap.get(), from) == tail,
                           "round " << round << " size " << from);
      }
    }
  });
}
