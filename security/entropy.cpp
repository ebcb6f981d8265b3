#include "security/entropy.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#pragma GCC diagnostic ignored "-Wpsabi"  // AVX2 helpers are file-local
#endif

namespace telclaude::security {

namespace {

constexpr int max_k = 68;

/// Margin below the random expectation, in bits: about four standard
/// deviations of a random string's plug-in entropy (which stays near 0.1
/// bit up to 64 bytes, then shrinks like 1/sqrt(n)).
double margin(std::size_t n) {
  return n <= 64 ? 0.42 : 0.42 * std::sqrt(64.0 / static_cast<double>(n));
}

bool is_digest_length(std::size_t n) {
  return n == 32 || n == 40 || n == 56 || n == 64 || n == 96 || n == 128;
}

// Per-byte class bits for the census.
constexpr std::uint16_t c_lower = 1, c_upper = 2, c_digit = 4, c_nonhex = 8,
                        c_dash = 16, c_sep = 32, c_plus = 64, c_slash = 128,
                        c_underscore = 256, c_equals = 512;
constexpr std::uint16_t c_others = c_dash | c_plus | c_slash | c_underscore |
                                   c_equals;

constexpr std::array<std::uint16_t, 256> make_class_bits() {
  std::array<std::uint16_t, 256> t{};
  for (unsigned c = 0; c < 256; ++c) {
    if (c >= 'a' && c <= 'z') {
      t[c] = c_lower | (c > 'f' ? c_nonhex : 0);
    } else if (c >= 'A' && c <= 'Z') {
      t[c] = c_upper | (c > 'F' ? c_nonhex : 0);
    } else if (c >= '0' && c <= '9') {
      t[c] = c_digit;
    } else if (c == '-') {
      t[c] = c_dash | c_sep;
    } else if (c == '_') {
      t[c] = c_underscore | c_sep;
    } else if (c == '/') {
      t[c] = c_slash | c_sep;
    } else if (c == '+') {
      t[c] = c_plus;
    } else if (c == '=') {
      t[c] = c_equals;
    }
  }
  return t;
}
constexpr auto class_bits = make_class_bits();

struct census;
#if defined(__x86_64__)
bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") &&
                          __builtin_cpu_supports("popcnt");
  return yes;
}
void census_avx2(std::string_view s, census& c);
#endif

/// Class counts packed in 16-bit lanes of one word, so the census adds one
/// table entry per byte: lower, upper, dashes, separators.
constexpr std::array<std::uint64_t, 256> make_packed_counts() {
  std::array<std::uint64_t, 256> t{};
  const auto bits = make_class_bits();
  for (unsigned c = 0; c < 256; ++c) {
    const std::uint64_t b = bits[c];
    t[c] = ((b & c_lower) != 0 ? 1ull : 0ull) |
           ((b & c_upper) != 0 ? 1ull << 16 : 0ull) |
           ((b & c_dash) != 0 ? 1ull << 32 : 0ull) |
           ((b & c_sep) != 0 ? 1ull << 48 : 0ull);
  }
  return t;
}
constexpr auto packed_counts = make_packed_counts();

/// First pass over a run: which classes occur and how often.
struct census {
  unsigned lower = 0;
  unsigned upper = 0;
  unsigned dashes = 0;
  unsigned separators = 0;  // '/', '-', '_'
  std::uint16_t seen = 0;

  /// `s` is at most `entropy_detector::segment` bytes: no lane overflows.
  explicit census(std::string_view s, bool simd = true) {
#if defined(__x86_64__)
    if (simd && has_avx2()) {
      census_avx2(s, *this);
      return;
    }
#endif
    (void)simd;
    std::uint64_t counts = 0;
    unsigned bits = 0;
    for (char ch : s) {
      const auto b = static_cast<unsigned char>(ch);
      counts += packed_counts[b];
      bits |= class_bits[b];
    }
    seen = static_cast<std::uint16_t>(bits);
    lower = static_cast<unsigned>(counts & 0xffff);
    upper = static_cast<unsigned>((counts >> 16) & 0xffff);
    dashes = static_cast<unsigned>((counts >> 32) & 0xffff);
    separators = static_cast<unsigned>(counts >> 48);
  }

  /// Distinct bytes outside [A-Za-z0-9] (each of + / = _ - counts once).
  unsigned others() const {
    return static_cast<unsigned>(std::popcount(
      static_cast<unsigned>(seen & c_others)));
  }
};

#if defined(__x86_64__)
/// Bytes of `x` in [lo, lo + len): unsigned (x - lo) < len.
__attribute__((target("avx2"), always_inline)) inline __m256i
in_range(__m256i x, char lo, char len) {
  const __m256i d = _mm256_sub_epi8(x, _mm256_set1_epi8(lo));
  const __m256i top = _mm256_set1_epi8(static_cast<char>(len - 1));
  return _mm256_cmpeq_epi8(_mm256_min_epu8(d, top), d);
}

__attribute__((target("avx2"), always_inline)) inline std::uint32_t
bits_of(__m256i m) {
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(m));
}

__attribute__((target("avx2"), always_inline)) inline std::uint32_t
equal(__m256i v, char c) {
  return bits_of(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(c)));
}

/// The census 32 bytes at a time. A last partial block is loaded so that
/// it ends with the run (no byte outside it is read) and the bytes already
/// counted are masked off.
__attribute__((target("avx2,popcnt"))) void census_avx2(std::string_view s,
                                                        census& c) {
  unsigned lower = 0, upper = 0, dashes = 0, separators = 0;
  std::uint32_t any_lower = 0, any_upper = 0, any_digit = 0, any_nonhex = 0,
                any_plus = 0, any_slash = 0, any_underscore = 0,
                any_equals = 0;
  const auto block = [&](const char* p, std::uint32_t keep)
    __attribute__((target("avx2,popcnt"), always_inline)) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const std::uint32_t l = bits_of(in_range(v, 'a', 26)) & keep;
    const std::uint32_t u = bits_of(in_range(v, 'A', 26)) & keep;
    const std::uint32_t dash = equal(v, '-') & keep;
    const std::uint32_t under = equal(v, '_') & keep;
    const std::uint32_t slash = equal(v, '/') & keep;
    lower += static_cast<unsigned>(std::popcount(l));
    upper += static_cast<unsigned>(std::popcount(u));
    dashes += static_cast<unsigned>(std::popcount(dash));
    separators += static_cast<unsigned>(std::popcount(dash | under | slash));
    any_lower |= l;
    any_upper |= u;
    any_digit |= bits_of(in_range(v, '0', 10)) & keep;
    // g-z and G-Z: letters that are not hex digits.
    any_nonhex |= bits_of(in_range(_mm256_or_si256(v, _mm256_set1_epi8(0x20)),
                                   'g', 20)) & keep;
    any_plus |= equal(v, '+') & keep;
    any_slash |= slash;
    any_underscore |= under;
    any_equals |= equal(v, '=') & keep;
  };
  std::size_t i = 0;
  for (; i + 32 <= s.size(); i += 32) {
    block(s.data() + i, ~std::uint32_t{0});
  }
  if (i < s.size()) {
    const std::size_t rest = s.size() - i;
    if (s.size() >= 32) {
      block(s.data() + s.size() - 32, ~std::uint32_t{0} << (32 - rest));
    } else {
      alignas(32) char last[32] = {};
      std::memcpy(last, s.data() + i, rest);
      block(last, ~std::uint32_t{0});
    }
  }
  c.lower = lower;
  c.upper = upper;
  c.dashes = dashes;
  c.separators = separators;
  const auto flag = [](std::uint32_t any, std::uint16_t bit) {
    return static_cast<std::uint16_t>(any != 0 ? bit : 0);
  };
  c.seen = static_cast<std::uint16_t>(
    flag(any_lower, c_lower) | flag(any_upper, c_upper) |
    flag(any_digit, c_digit) | flag(any_nonhex, c_nonhex) |
    flag(dashes, c_dash) | flag(separators, c_sep) | flag(any_plus, c_plus) |
    flag(any_slash, c_slash) | flag(any_underscore, c_underscore) |
    flag(any_equals, c_equals));
}

/// `hex_shape` for runs of at least 32 bytes, 32 bytes at a time.
__attribute__((target("avx2,popcnt"))) bool
hex_shape_avx2(std::string_view s, unsigned& dashes) {
  std::uint32_t bad_lower = 0, bad_upper = 0;
  unsigned dash_count = 0;
  const auto block = [&](const char* p, std::uint32_t keep)
    __attribute__((target("avx2,popcnt"), always_inline)) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const std::uint32_t dash = equal(v, '-');
    const std::uint32_t common = bits_of(in_range(v, '0', 10)) | dash;
    bad_lower |= ~(common | bits_of(in_range(v, 'a', 6))) & keep;
    bad_upper |= ~(common | bits_of(in_range(v, 'A', 6))) & keep;
    dash_count += static_cast<unsigned>(std::popcount(dash & keep));
  };
  std::size_t i = 0;
  for (; i + 32 <= s.size(); i += 32) {
    block(s.data() + i, ~std::uint32_t{0});
    if (bad_lower != 0 && bad_upper != 0) {
      return false;
    }
  }
  if (i < s.size()) {
    block(s.data() + s.size() - 32, ~std::uint32_t{0}
                                      << (32 - (s.size() - i)));
  }
  dashes = dash_count;
  return bad_lower == 0 || bad_upper == 0;
}
#endif

/// True when `s` is made of digits, dashes and hex letters of one case
/// only; `dashes` is then their count.
bool hex_shape(std::string_view s, unsigned& dashes, bool simd) {
#if defined(__x86_64__)
  if (simd && s.size() >= 32 && has_avx2()) {
    return hex_shape_avx2(s, dashes);
  }
#endif
  (void)simd;
  bool lower = true, upper = true;
  unsigned d = 0;
  for (char ch : s) {
    const bool digit_or_dash = (ch >= '0' && ch <= '9') || ch == '-';
    lower &= digit_or_dash || (ch >= 'a' && ch <= 'f');
    upper &= digit_or_dash || (ch >= 'A' && ch <= 'F');
    d += ch == '-' ? 1u : 0u;
  }
  dashes = d;
  return lower || upper;
}

/// c * log2(c) for c in [0, segment].
const std::array<float, entropy_detector::segment + 1>& clog2_table() {
  static const auto table = [] {
    std::array<float, entropy_detector::segment + 1> t{};
    for (std::size_t c = 1; c < t.size(); ++c) {
      t[c] = static_cast<float>(c * std::log2(static_cast<double>(c)));
    }
    return t;
  }();
  return table;
}

/// The byte histogram of `is_secret`, all zero between calls (the pass
/// that sums it clears every count it takes): no 512-byte clear per run.
thread_local std::array<std::uint16_t, 256> zeroed_counts{};

/// log2(n) for n in [0, segment] (the same doubles `std::log2` returns).
const std::array<double, entropy_detector::segment + 1>& log2_table() {
  static const auto table = [] {
    std::array<double, entropy_detector::segment + 1> t{};
    for (std::size_t n = 1; n < t.size(); ++n) {
      t[n] = std::log2(static_cast<double>(n));
    }
    return t;
  }();
  return table;
}

} // namespace

entropy_detector::entropy_detector(const entropy_settings& settings)
  : settings_(settings) {
  if (!std::isfinite(settings.threshold) || settings.threshold < 0.0 ||
      settings.threshold > 8.0) {
    throw user_error("redact.entropy",
                     "security.secretFilter.entropyDetection.threshold must "
                     "be a number of bits per character between 0 and 8");
  }
  if (settings.min_length < 16 || settings.min_length > 128) {
    throw user_error("redact.entropy",
                     "security.secretFilter.entropyDetection.minLength must "
                     "be between 16 and 128");
  }
  // E[H] = log2(n) - (1/n) * k * sum_c P(Bin(n, 1/k) = c) * c * log2(c).
  expected_.assign(static_cast<std::size_t>(max_k) * (segment + 1), 0.0f);
  for (int k = 2; k < max_k; ++k) {
    const double p = 1.0 / k;
    for (std::size_t n = 1; n <= segment; ++n) {
      double prob = std::pow(1.0 - p, static_cast<double>(n));
      double sum = 0.0;
      for (std::size_t c = 0; c < n; ++c) {
        prob *= static_cast<double>(n - c) / static_cast<double>(c + 1) * p /
                (1.0 - p);
        const double cc = static_cast<double>(c + 1);
        sum += prob * cc * std::log2(cc);
      }
      const double nn = static_cast<double>(n);
      expected_[static_cast<std::size_t>(k) * (segment + 1) + n] =
        static_cast<float>(std::log2(nn) - k * sum / nn);
    }
  }
}

bool plain_hex_digest(std::string_view run, std::size_t min_length,
                      bool simd) {
  unsigned dashes = 0;
  if (run.empty() || !hex_shape(run, dashes, simd) ||
      dashes * 8 >= run.size()) {
    return false;
  }
  const std::size_t n = run.size() - dashes;
  return is_digest_length(n) || n < min_length;
}

run_census census_of(std::string_view s, bool simd) {
  const census c(s.substr(0, entropy_detector::segment), simd);
  return {c.lower, c.upper, c.dashes, c.separators, c.seen};
}

double entropy_detector::expected_random_bits(int k, std::size_t n) const {
  if (k < 2 || k >= max_k || n == 0) {
    return 0.0;
  }
  n = n > segment ? segment : n;
  return expected_[static_cast<std::size_t>(k) * (segment + 1) + n];
}

double entropy_detector::shannon_bits(std::string_view s) {
  if (s.empty()) {
    return 0.0;
  }
  std::array<std::uint32_t, 256> counts{};
  for (char c : s) {
    ++counts[static_cast<unsigned char>(c)];
  }
  const double n = static_cast<double>(s.size());
  double sum = 0.0;
  for (auto c : counts) {
    if (c != 0) {
      sum += c * std::log2(static_cast<double>(c));
    }
  }
  return std::log2(n) - sum / n;
}

bool entropy_detector::is_secret(std::string_view run) const {
  while (!run.empty() && run.back() == '=') {
    run.remove_suffix(1);
  }
  if (!settings_.enabled || run.size() < min_length()) {
    return false;
  }
  run = run.substr(0, segment);
  // Most candidate runs in agent output are commit ids, checksums and
  // UUIDs: rejected by a cheaper pass than the census (the same decision,
  // see `plain_hex_digest`).
  if (plain_hex_digest(run, min_length())) {
    return false;
  }
  const census c(run);
  // Paths and kebab/snake names (`/usr/lib/x86_64-linux-gnu`) have a
  // separator every few bytes, random base64 about one in 32: judge such
  // a run by its longest separator-free piece.
  if (c.separators > 0 && c.separators * 8 >= run.size()) {
    std::string_view longest;
    std::size_t from = 0;
    for (std::size_t i = 0; i <= run.size(); ++i) {
      if (i == run.size() ||
          (class_bits[static_cast<unsigned char>(run[i])] & c_sep) != 0) {
        if (i - from > longest.size()) {
          longest = run.substr(from, i - from);
        }
        from = i + 1;
      }
    }
    return is_secret(longest);
  }
  // Words, numbers and snake_case names use one class of character.
  const int classes = ((c.seen & c_lower) != 0) + ((c.seen & c_upper) != 0) +
                      ((c.seen & c_digit) != 0);
  if (classes < 2) {
    return false;
  }
  int k = 0;
  std::size_t n = run.size();
  const bool hex = (c.seen & c_digit) != 0 && (c.seen & c_nonhex) == 0 &&
                   !((c.seen & c_lower) != 0 && (c.seen & c_upper) != 0) &&
                   (c.seen & c_others & ~c_dash) == 0;
  if (hex) {
    // Commit ids, checksums and UUIDs are random but not secret.
    n -= c.dashes;
    if (is_digest_length(n) || n < min_length()) {
      return false;
    }
    k = 16;
  } else {
    const unsigned letters = c.lower + c.upper;
    // camelCase and PascalCase: one case dominates; random keys are mixed.
    if (c.lower > 0 && c.upper > 0 &&
        5 * std::min(c.lower, c.upper) < letters) {
      return false;
    }
    k = ((c.seen & c_lower) != 0 ? 26 : 0) +
        ((c.seen & c_upper) != 0 ? 26 : 0) +
        ((c.seen & c_digit) != 0 ? 10 : 0) + static_cast<int>(c.others());
  }
  // Second pass, only for runs that got this far: the byte histogram.
  // Only the bytes present are summed (each once: its count is cleared
  // when taken). Every c*log2(c) is a float >= 2 and < 2^11, so a multiple
  // of 2^-22, and fewer than 2^7 of them add up exactly in a double: the
  // order of summation does not change the result.
  auto& counts = zeroed_counts;
  for (char ch : run) {
    ++counts[static_cast<unsigned char>(ch)];
  }
  // Four independent sums (the order does not matter, see above): no
  // chain of dependent floating-point adds through the whole run.
  const auto& clog2 = clog2_table();
  double part[4] = {0.0, 0.0, 0.0, 0.0};
  const auto take = [&](char ch) {
    auto& count = counts[static_cast<unsigned char>(ch)];
    const float v = clog2[count];
    count = 0;
    return v;
  };
  std::size_t i = 0;
  for (; i + 4 <= run.size(); i += 4) {
    part[0] += take(run[i]);
    part[1] += take(run[i + 1]);
    part[2] += take(run[i + 2]);
    part[3] += take(run[i + 3]);
  }
  for (; i < run.size(); ++i) {
    part[0] += take(run[i]);
  }
  const double sum = (part[0] + part[1]) + (part[2] + part[3]);
  const double len = static_cast<double>(run.size());
  const double bits = log2_table()[run.size()] - sum / len;
  const double limit = expected_random_bits(k, n) - margin(n) +
                       (settings_.threshold - 4.5);
  return bits >= limit;
}

} // namespace telclaude::security
