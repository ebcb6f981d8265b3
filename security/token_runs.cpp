#include "security/token_runs.hpp"

#include "security/char_class.hpp"

#include <algorithm>
#include <bit>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#pragma GCC diagnostic ignored "-Wpsabi"  // AVX2 helpers are file-local

namespace telclaude::security {

namespace {

std::uint64_t scalar_mask(const char* p, unsigned n) {
  std::uint64_t m = 0;
  for (unsigned i = 0; i < n; ++i) {
    m |= std::uint64_t{in_alphabet(alpha::entropy, p[i])} << i;
  }
  return m;
}

#if defined(__x86_64__)
/// Bytes of `x` in [lo, lo + len): unsigned (x - lo) < len.
__attribute__((target("avx2"), always_inline)) inline __m256i in_range(__m256i x, char lo,
                                                        char len) {
  const __m256i s = _mm256_sub_epi8(x, _mm256_set1_epi8(lo));
  const __m256i top = _mm256_set1_epi8(static_cast<char>(len - 1));
  return _mm256_cmpeq_epi8(_mm256_min_epu8(s, top), s);
}

__attribute__((target("avx2"), always_inline)) inline std::uint32_t
avx2_mask32(const char* p) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  __m256i m = in_range(_mm256_or_si256(v, _mm256_set1_epi8(0x20)), 'a', 26);
  m = _mm256_or_si256(m, in_range(v, '0', 10));
  m = _mm256_or_si256(m, _mm256_cmpeq_epi8(v, _mm256_set1_epi8('+')));
  m = _mm256_or_si256(m, _mm256_cmpeq_epi8(v, _mm256_set1_epi8('/')));
  m = _mm256_or_si256(m, _mm256_cmpeq_epi8(v, _mm256_set1_epi8('_')));
  m = _mm256_or_si256(m, _mm256_cmpeq_epi8(v, _mm256_set1_epi8('-')));
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(m));
}

__attribute__((target("avx2"))) void avx2_masks(const char* p,
                                                std::size_t blocks,
                                                std::uint64_t* out) {
  for (std::size_t b = 0; b < blocks; ++b, p += 64) {
    out[b] = avx2_mask32(p) | (std::uint64_t{avx2_mask32(p + 32)} << 32);
  }
}

bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

/// Masks of `blocks` consecutive 64-byte blocks.
void masks(const char* p, std::size_t blocks, std::uint64_t* out) {
#if defined(__x86_64__)
  if (has_avx2()) {
    avx2_masks(p, blocks, out);
    return;
  }
#endif
  for (std::size_t b = 0; b < blocks; ++b, p += 64) {
    out[b] = scalar_mask(p, 64);
  }
}

} // namespace

token_run_finder::token_run_finder(std::size_t min_length)
  : min_length_(min_length) {
  // For 16 <= min_length <= 64: bit i of `long_runs` stays set iff bits
  // i .. i+min_length-1 are all set, in fixed steps (16, then shift_a_,
  // then shift_b_); other lengths take the generic doubling loop.
  if (min_length_ >= 16 && min_length_ <= 64) {
    shift_a_ = static_cast<unsigned>(std::min<std::size_t>(min_length_ - 16, 16));
    shift_b_ = static_cast<unsigned>(min_length_ - 16 - shift_a_);
  }
}

void token_run_finder::reset() {
  run_begin_ = run_length_ = 0;
  reported_ = false;
}

inline std::uint64_t token_run_finder::long_runs(std::uint64_t m) const {
  if (min_length_ >= 16 && min_length_ <= 64) {
    std::uint64_t y = m & (m >> 1);
    y &= y >> 2;
    y &= y >> 4;
    y &= y >> 8;
    y &= y >> shift_a_;
    return y & (y >> shift_b_);
  }
  if (min_length_ > 64) {
    return 0;
  }
  for (std::size_t span = 1; span < min_length_;) {
    const std::size_t shift = std::min(span, min_length_ - span);
    m &= m >> shift;
    span += shift;
  }
  return m;
}

__attribute__((always_inline)) inline void token_run_finder::block(std::uint64_t m, unsigned width,
                                    std::uint64_t offset,
                                    std::vector<std::uint64_t>& run_begins) {
  const std::uint64_t all = width == 64 ? ~std::uint64_t{0}
                                        : (std::uint64_t{1} << width) - 1;
  // A run carried in from the previous block continues over the lowest
  // set bits, then ends.
  if (run_length_ > 0) {
    const auto lead = static_cast<unsigned>(std::countr_one(m));
    run_length_ += lead;
    if (!reported_ && run_length_ >= min_length_) {
      run_begins.push_back(run_begin_);
      reported_ = true;
    }
    if (lead >= width) {
      return;
    }
    run_length_ = 0;
    m &= (~std::uint64_t{0} << lead) << 1;
  }
  // The run touching the block's end is carried instead.
  const auto top = static_cast<unsigned>(std::countl_one(m | ~all)) -
                   (64 - width);
  const std::uint64_t inner = top >= width ? 0 : m & (all >> top);
  // Runs that start and end inside the block (ordinary text has none).
  std::uint64_t y = long_runs(inner);
  while (y != 0) {
    const auto at = static_cast<unsigned>(std::countr_zero(y));
    run_begins.push_back(offset + at);
    const auto len = static_cast<unsigned>(std::countr_one(inner >> at));
    y &= at + len >= 64 ? 0 : ~((std::uint64_t{1} << (at + len)) - 1);
  }
  if (top > 0) {
    run_begin_ = offset + width - top;
    run_length_ = top;
    reported_ = top >= min_length_;
    if (reported_) {
      run_begins.push_back(run_begin_);
    }
  }
}

void token_run_finder::scan(const char* data, std::size_t size,
                            std::uint64_t offset,
                            std::vector<std::uint64_t>& run_begins) {
  std::size_t i = 0;
  std::uint64_t m[64];
  while (i + 64 <= size) {
    const std::size_t blocks = std::min<std::size_t>(64, (size - i) / 64);
    masks(data + i, blocks, m);
    for (std::size_t b = 0; b < blocks; ++b, i += 64) {
      block(m[b], 64, offset + i, run_begins);
    }
  }
  if (i < size) {
    const auto n = static_cast<unsigned>(size - i);
    block(scalar_mask(data + i, n), n, offset + i, run_begins);
  }
}

} // namespace telclaude::security
