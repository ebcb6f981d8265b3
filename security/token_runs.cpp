#include "security/token_runs.hpp"

#include "security/char_class.hpp"

#include <algorithm>
#include <atomic>
#include <bit>

#if defined(__x86_64__)
#include <cpuid.h>
// GCC 12 reports `_mm512_undefined_epi32()` inside its own AVX-512
// intrinsics as maybe uninitialized (GCC bug 105593, fixed in 12.3/13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif
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

/// Bytes of the alphabet from `data + i` on.
std::size_t plain_run_length(const char* data, std::size_t size,
                             std::size_t i) {
  while (i < size && in_alphabet(alpha::entropy, data[i])) {
    ++i;
  }
  return i;
}

/// Visible bytes at the end, `n` of them already known.
std::size_t plain_visible_tail(const char* data, std::size_t size,
                               std::size_t n) {
  while (n < size && in_alphabet(alpha::visible, data[size - n - 1])) {
    ++n;
  }
  return n;
}

#if defined(__x86_64__)
/// `[A-Za-z0-9+/_-]` by nibble lookup: byte b is in the alphabet iff
/// lo[b & 15] & hi[b >> 4] != 0, one bit per group of the alphabet:
/// 1 `+ - /` (0x2B 0x2D 0x2F), 2 digits (0x30-0x39), 4 `A-O` `a-o`
/// (0x41-0x4F, 0x61-0x6F), 8 `P-Z` `p-z` (0x50-0x5A, 0x70-0x7A), 16 `_`.
__attribute__((target("avx2"), always_inline)) inline std::uint32_t
avx2_mask32(const char* p) {
  const __m256i lo_table = _mm256_setr_epi8(
    // 0   1   2   3   4   5   6   7   8   9   A   B   C   D   E   F
    10, 14, 14, 14, 14, 14, 14, 14, 14, 14, 12, 5, 4, 5, 4, 21,
    10, 14, 14, 14, 14, 14, 14, 14, 14, 14, 12, 5, 4, 5, 4, 21);
  const __m256i hi_table = _mm256_setr_epi8(
    0, 0, 1, 2, 4, 24, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 1, 2, 4, 24, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i lo = _mm256_shuffle_epi8(lo_table, _mm256_and_si256(v, nibble));
  const __m256i hi = _mm256_shuffle_epi8(
    hi_table, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
  const __m256i none = _mm256_cmpeq_epi8(_mm256_and_si256(lo, hi),
                                         _mm256_setzero_si256());
  return ~static_cast<std::uint32_t>(_mm256_movemask_epi8(none));
}

__attribute__((target("avx2"), always_inline)) inline std::uint64_t
avx2_mask64(const char* p) {
  return avx2_mask32(p) | (std::uint64_t{avx2_mask32(p + 32)} << 32);
}

/// The same as `avx2_mask32` for 16 bytes.
__attribute__((target("avx2"), always_inline)) inline std::uint32_t
sse_mask16(const char* p) {
  const __m128i lo_table = _mm_setr_epi8(10, 14, 14, 14, 14, 14, 14, 14, 14,
                                         14, 12, 5, 4, 5, 4, 21);
  const __m128i hi_table =
    _mm_setr_epi8(0, 0, 1, 2, 4, 24, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m128i nibble = _mm_set1_epi8(0x0f);
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i lo = _mm_shuffle_epi8(lo_table, _mm_and_si128(v, nibble));
  const __m128i hi =
    _mm_shuffle_epi8(hi_table, _mm_and_si128(_mm_srli_epi16(v, 4), nibble));
  const __m128i none =
    _mm_cmpeq_epi8(_mm_and_si128(lo, hi), _mm_setzero_si128());
  return ~static_cast<std::uint32_t>(_mm_movemask_epi8(none)) & 0xffffu;
}

/// The mask of `n` < 64 bytes, reading only those bytes (two overlapping
/// loads where it can).
__attribute__((target("avx2"), always_inline)) inline std::uint64_t
avx2_mask_partial(const char* p, unsigned n) {
  if (n >= 32) {
    return avx2_mask32(p) |
           (std::uint64_t{avx2_mask32(p + n - 32)} << (n - 32));
  }
  if (n >= 16) {
    return sse_mask16(p) | (std::uint64_t{sse_mask16(p + n - 16)} << (n - 16));
  }
  return scalar_mask(p, n);
}

/// `0x21..0x7e` in each of 32 bytes.
__attribute__((target("avx2"), always_inline)) inline std::uint32_t
avx2_visible32(const char* p) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i d = _mm256_sub_epi8(v, _mm256_set1_epi8(0x21));
  const __m256i top = _mm256_set1_epi8(0x7e - 0x21);
  return static_cast<std::uint32_t>(
    _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(d, top), d)));
}

/// The `avx2_mask32` lookup for 64 bytes at once, straight into a mask
/// register (bytes outside the alphabet, and zero bytes, give 0).
__attribute__((target("avx512f,avx512bw"), always_inline)) inline std::uint64_t
avx512_classify(__m512i v) {
  // The 16-byte tables of `avx2_mask32` in each 128-bit lane.
  alignas(64) static constexpr std::uint8_t tables[2][64] = {
    {10, 14, 14, 14, 14, 14, 14, 14, 14, 14, 12, 5, 4, 5, 4, 21,
     10, 14, 14, 14, 14, 14, 14, 14, 14, 14, 12, 5, 4, 5, 4, 21,
     10, 14, 14, 14, 14, 14, 14, 14, 14, 14, 12, 5, 4, 5, 4, 21,
     10, 14, 14, 14, 14, 14, 14, 14, 14, 14, 12, 5, 4, 5, 4, 21},
    {0, 0, 1, 2, 4, 24, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0,
     0, 0, 1, 2, 4, 24, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0,
     0, 0, 1, 2, 4, 24, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0,
     0, 0, 1, 2, 4, 24, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0}};
  const __m512i lo_table = _mm512_load_si512(tables[0]);
  const __m512i hi_table = _mm512_load_si512(tables[1]);
  const __m512i nibble = _mm512_set1_epi8(0x0f);
  const __m512i lo = _mm512_shuffle_epi8(lo_table, _mm512_and_si512(v, nibble));
  const __m512i hi = _mm512_shuffle_epi8(
    hi_table, _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble));
  return _mm512_test_epi8_mask(lo, hi);
}

__attribute__((target("avx512f,avx512bw"), always_inline)) inline std::uint64_t
avx512_mask64(const char* p) {
  return avx512_classify(_mm512_loadu_si512(p));
}

/// The mask of `n` < 64 bytes: a masked load reads (and may fault on)
/// only those bytes; the others load as zero, outside the alphabet.
__attribute__((target("avx512f,avx512bw"), always_inline)) inline std::uint64_t
avx512_mask_partial(const char* p, unsigned n) {
  return avx512_classify(
    _mm512_maskz_loadu_epi8((std::uint64_t{1} << n) - 1, p));
}

/// `0x21..0x7e` in each of 64 bytes.
__attribute__((target("avx512f,avx512bw"), always_inline)) inline std::uint64_t
avx512_visible64(const char* p) {
  const __m512i d =
    _mm512_sub_epi8(_mm512_loadu_si512(p), _mm512_set1_epi8(0x21));
  return _mm512_cmple_epu8_mask(d, _mm512_set1_epi8(0x7e - 0x21));
}

/// AVX2 for the masks, BMI/LZCNT for the bit counts (decided once, at
/// start-up: a plain load on every write).
const bool fast_bits = [] {
  __builtin_cpu_init();
  // LZCNT: CPUID 0x80000001, ECX bit 5 (no portable builtin names it).
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  const bool lzcnt = __get_cpuid(0x80000001u, &eax, &ebx, &ecx, &edx) != 0 &&
                     (ecx & (1u << 5)) != 0;
  return lzcnt && __builtin_cpu_supports("avx2") &&
         __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
         __builtin_cpu_supports("popcnt");
}();

#endif

/// What this CPU has, and what the finder uses (tests pin lesser paths).
const run_finder_isa best_isa = [] {
#if defined(__x86_64__)
  if (fast_bits) {
    return __builtin_cpu_supports("avx512f") &&
               __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512cd")
             ? run_finder_isa::avx512
             : run_finder_isa::avx2;
  }
#endif
  return run_finder_isa::portable;
}();
std::atomic<run_finder_isa> active_isa{best_isa};

inline run_finder_isa isa() {
  return active_isa.load(std::memory_order_relaxed);
}

using scan_state = token_run_finder::state;

/// Bits of `m` that begin `min_length` consecutive set bits, for
/// 16 <= min_length <= 64 (see `token_run_finder`'s constructor).
__attribute__((always_inline)) inline std::uint64_t
long_runs_fixed(std::uint64_t m, unsigned shift_a, unsigned shift_b) {
  std::uint64_t y = m & (m >> 1);
  y &= y >> 2;
  y &= y >> 4;
  y &= y >> 8;
  y &= y >> shift_a;
  return y & (y >> shift_b);
}

/// The same for any `min_length`.
__attribute__((always_inline)) inline std::uint64_t
long_runs(const scan_state& s, std::uint64_t m) {
  if (s.min_length >= 16 && s.min_length <= 64) {
    return long_runs_fixed(m, s.shift_a, s.shift_b);
  }
  if (s.min_length > 64) {
    return 0;
  }
  for (std::size_t span = 1; span < s.min_length;) {
    const std::size_t shift = std::min(span, s.min_length - span);
    m &= m >> shift;
    span += shift;
  }
  return m;
}

#if defined(__x86_64__)
/// `long_runs_fixed(m[k]) & starts(m[k])` for k in [0, count) into `out`,
/// 4 blocks per AVX2 step (the same bit operations on 64-bit lanes);
/// `prev` is the top bit of the block before block 0.
__attribute__((target("avx2"))) void
long_starts_avx2(const std::uint64_t* m, std::size_t count, std::uint64_t prev,
                 unsigned shift_a, unsigned shift_b, std::uint64_t* out) {
  const __m128i sa = _mm_cvtsi32_si128(static_cast<int>(shift_a));
  const __m128i sb = _mm_cvtsi32_si128(static_cast<int>(shift_b));
  std::size_t k = 0;
  for (; k + 4 <= count; k += 4) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + k));
    // Lane i gets the top bit of lane i - 1; lane 0 that of the block before.
    __m256i before = _mm256_srli_epi64(
      _mm256_permute4x64_epi64(x, _MM_SHUFFLE(2, 1, 0, 3)), 63);
    before = _mm256_blend_epi32(
      before, _mm256_set_epi64x(0, 0, 0, static_cast<long long>(prev)), 0x03);
    const __m256i starts =
      _mm256_andnot_si256(_mm256_or_si256(_mm256_slli_epi64(x, 1), before), x);
    __m256i y = _mm256_and_si256(x, _mm256_srli_epi64(x, 1));
    y = _mm256_and_si256(y, _mm256_srli_epi64(y, 2));
    y = _mm256_and_si256(y, _mm256_srli_epi64(y, 4));
    y = _mm256_and_si256(y, _mm256_srli_epi64(y, 8));
    y = _mm256_and_si256(y, _mm256_srl_epi64(y, sa));
    y = _mm256_and_si256(y, _mm256_srl_epi64(y, sb));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + k),
                        _mm256_and_si256(y, starts));
    prev = m[k + 3] >> 63;
  }
  for (; k < count; ++k) {
    const std::uint64_t x = m[k];
    out[k] = long_runs_fixed(x, shift_a, shift_b) & x & ~((x << 1) | prev);
    prev = x >> 63;
  }
}

/// `report_blocks` for blocks [0, n - 1) entirely in vector lanes, 8
/// blocks per step (the last step masked): the in-block starts as in
/// `long_starts_avx2`, and the run reaching a block's top from its
/// leading ones (VPLZCNTQ) and the next block's trailing ones (63 -
/// lzcnt(y ^ (y + 1)), which says 63 for a full block where 64 is right:
/// no difference, since a reported top run has 1 <= top < min <= 64).
/// Only blocks with a report are visited; their begin offsets go to
/// `found` in order. `prev` is the top bit of the block before block 0.
__attribute__((target("avx512f,avx512bw,avx512cd,bmi"))) std::size_t
reports_avx512(const std::uint64_t* m, std::size_t n, std::uint64_t offset,
               std::uint64_t prev, unsigned min_length, unsigned shift_a,
               unsigned shift_b, std::uint64_t* found) {
  const __m128i sa = _mm_cvtsi32_si128(static_cast<int>(shift_a));
  const __m128i sb = _mm_cvtsi32_si128(static_cast<int>(shift_b));
  const __m512i one = _mm512_set1_epi64(1);
  const __m512i all = _mm512_set1_epi64(-1);
  const __m512i min = _mm512_set1_epi64(min_length);
  const __m512i min_less = _mm512_set1_epi64(min_length - 1);
  // Lane 7 of the vector before block 0 carries `prev` in its top bit.
  __m512i before_x = _mm512_set_epi64(static_cast<long long>(prev << 63), 0,
                                      0, 0, 0, 0, 0, 0);
  std::size_t count = 0;
  const std::size_t blocks = n - 1;
  for (std::size_t k = 0; k < blocks; k += 8) {
    const auto lanes = static_cast<__mmask8>(
      blocks - k >= 8 ? 0xff : (1u << (blocks - k)) - 1);
    const __m512i x = _mm512_maskz_loadu_epi64(lanes, m + k);
    const __m512i y = _mm512_maskz_loadu_epi64(lanes, m + k + 1);
    // Lane i gets the top bit of lane i - 1; lane 0 that of the step before.
    const __m512i before =
      _mm512_srli_epi64(_mm512_alignr_epi64(x, before_x, 7), 63);
    before_x = x;
    const __m512i starts =
      _mm512_andnot_si512(_mm512_or_si512(_mm512_slli_epi64(x, 1), before), x);
    __m512i r = _mm512_and_si512(x, _mm512_srli_epi64(x, 1));
    r = _mm512_and_si512(r, _mm512_srli_epi64(r, 2));
    r = _mm512_and_si512(r, _mm512_srli_epi64(r, 4));
    r = _mm512_and_si512(r, _mm512_srli_epi64(r, 8));
    r = _mm512_and_si512(r, _mm512_srl_epi64(r, sa));
    r = _mm512_and_si512(r, _mm512_srl_epi64(r, sb));
    r = _mm512_and_si512(r, starts);
    const __m512i top = _mm512_lzcnt_epi64(_mm512_xor_si512(x, all));
    const __m512i next = _mm512_sub_epi64(
      _mm512_set1_epi64(63),
      _mm512_lzcnt_epi64(_mm512_xor_si512(y, _mm512_add_epi64(y, one))));
    const __mmask8 cross =
      _mm512_cmplt_epu64_mask(_mm512_sub_epi64(top, one), min_less) &
      _mm512_cmpge_epu64_mask(_mm512_add_epi64(top, next), min);
    r = _mm512_or_si512(
      r, _mm512_maskz_sllv_epi64(
           cross, one, _mm512_sub_epi64(_mm512_set1_epi64(64), top)));
    unsigned any = _mm512_test_epi64_mask(r, r) & lanes;
    if (any == 0) {
      continue;
    }
    alignas(64) std::uint64_t report[8];
    _mm512_store_si512(report, r);
    while (any != 0) {
      const auto lane = static_cast<unsigned>(std::countr_zero(any));
      any &= any - 1;
      const std::uint64_t base = offset + 64 * (k + lane);
      for (std::uint64_t bits = report[lane]; bits != 0; bits &= bits - 1) {
        found[count++] = base + static_cast<unsigned>(std::countr_zero(bits));
      }
    }
  }
  return count;
}
#endif

/// The runs that start in blocks [0, n - 1) and reach `min` (16..64; a
/// compile-time `Min` when not 0), their begin offsets into `found`;
/// returns how many. `prev` is the top bit of the block before; `first`
/// ends as n - 1.
template <unsigned Min, bool Pre>
__attribute__((always_inline)) inline std::size_t
report_blocks(const std::uint64_t* m, std::size_t n, std::uint64_t offset,
              unsigned min_length, unsigned shift_a, unsigned shift_b,
              std::uint64_t& prev, std::size_t& first, std::uint64_t* found,
              const std::uint64_t* pre) {
  const unsigned min = Min != 0 ? Min : min_length;
  if constexpr (Min != 0) {
    shift_a = static_cast<unsigned>(std::min(Min - 16, 16u));
    shift_b = Min - 16 - shift_a;
  }
  std::size_t count = 0;
  for (; first + 1 < n; ++first) {
    const std::uint64_t x = m[first];
    std::uint64_t report = 0;
    if constexpr (Pre) {
      report = pre[first];
    } else {
      const std::uint64_t starts = x & ~((x << 1) | prev);
      prev = x >> 63;
      report = long_runs_fixed(x, shift_a, shift_b) & starts;
    }
    const auto top = static_cast<unsigned>(std::countl_one(x));
    const auto next = static_cast<unsigned>(std::countr_one(m[first + 1]));
    const bool cross = (top - 1u < min - 1u) & (top + next >= min);
    report |= std::uint64_t{cross} << ((64 - top) & 63);
    const std::uint64_t base = offset + 64 * first;
    found[count] = base + static_cast<unsigned>(std::countr_zero(report));
    count += report != 0 ? 1 : 0;
    report &= report - 1;
    while (report != 0) {
      found[count++] = base + static_cast<unsigned>(std::countr_zero(report));
      report &= report - 1;
    }
  }
  return count;
}

/// Reports the runs of `n` consecutive block masks (the last one
/// `last_width` bytes wide) at stream offset `offset`.
template <run_finder_isa Isa = run_finder_isa::portable>
__attribute__((always_inline)) inline void
blocks(scan_state& s, const std::uint64_t* m, std::size_t n,
       unsigned last_width, std::uint64_t offset,
       std::vector<std::uint64_t>& run_begins) {
  const auto width = [&](std::size_t k) {
    return k + 1 == n ? last_width : 64u;
  };
  const auto full = [&](std::size_t k) {
    const unsigned w = width(k);
    return w == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << w) - 1;
  };
  const std::size_t min_length = s.min_length;
  // A run carried in continues over the leading set bits.
  const bool carried = s.run_length > 0;
  if (carried) {
    std::size_t k = 0;
    std::uint64_t lead = 0;
    while (k < n && m[k] == full(k)) {
      lead += width(k);
      ++k;
    }
    if (k < n) {
      lead += static_cast<unsigned>(std::countr_one(m[k]));
    }
    s.run_length += lead;
    if (!s.reported && s.run_length >= min_length) {
      run_begins.push_back(s.run_begin);
      s.reported = true;
    }
    if (k == n) {
      return;  // every byte continues it
    }
  }
  // Runs that start in block k: bits set whose lower neighbour is clear.
  // A run is reported at its start when it reaches `min_length` inside
  // the block (`long_runs`), or when it reaches the block's top and, with
  // the bytes that continue it in the next blocks, `min_length`. All
  // branch-free but for the rare report.
  std::uint64_t prev = carried ? 1 : 0;
  std::size_t first = 0;
  if (min_length >= 16 && min_length <= 64) {
    // The common case, without the multi-block walk: a run reaching the
    // top starts in this block when 1 <= top < min_length (<= 64).
    // Reports go to a local array without a branch per block (a run
    // reported is otherwise a mispredicted branch): runs of >= 16 bytes
    // and their separators fit 64 blocks with room to spare.
    std::uint64_t found[64 * 64 / 17 + 4];
    std::size_t count = 0;
#if defined(__x86_64__)
    if constexpr (Isa == run_finder_isa::avx512) {
      // Everything for 8 blocks per step.
      count = reports_avx512(m, n, offset, prev,
                             static_cast<unsigned>(min_length), s.shift_a,
                             s.shift_b, found);
      prev = n >= 2 ? m[n - 2] >> 63 : prev;
      first = n - 1;
    } else if constexpr (Isa == run_finder_isa::avx2) {
      // The in-block part for 4 blocks per step; the rest per block.
      std::uint64_t pre[64];
      long_starts_avx2(m, n - 1, prev, s.shift_a, s.shift_b, pre);
      prev = n >= 2 ? m[n - 2] >> 63 : prev;
      count = report_blocks<0, true>(m, n, offset,
                                     static_cast<unsigned>(min_length), 0, 0,
                                     prev, first, found, pre);
    } else
#endif
    if (min_length == 24) {
      // The default (Discord ids are 24+): constant shifts.
      count = report_blocks<24, false>(m, n, offset, 24, 8, 0, prev, first,
                                       found, nullptr);
    } else {
      count = report_blocks<0, false>(m, n, offset,
                                      static_cast<unsigned>(min_length),
                                      s.shift_a, s.shift_b, prev, first,
                                      found, nullptr);
    }
    run_begins.insert(run_begins.end(), found, found + count);
  }
  for (std::size_t k = first; k < n; ++k) {
    const std::uint64_t x = m[k];
    const std::uint64_t starts = x & ~((x << 1) | prev);
    prev = x >> 63;
    std::uint64_t report = long_runs(s, x) & starts;
    if (k + 1 < n) {
      // The run reaching the top, if it starts in this block.
      const auto top = static_cast<unsigned>(std::countl_one(x));
      const bool here = top > 0 && (top < 64 || (starts & 1) != 0);
      std::size_t length =
        top + static_cast<unsigned>(std::countr_one(m[k + 1]));
      if (min_length > 64 && here) {
        for (std::size_t j = k + 1;
             j + 1 < n && m[j] == full(j) && length < min_length; ++j) {
          length += static_cast<unsigned>(std::countr_one(m[j + 1]));
        }
      }
      const bool cross = here && top < min_length && length >= min_length;
      report |= std::uint64_t{cross} << ((64 - top) & 63);
    }
    while (report != 0) {
      run_begins.push_back(offset + 64 * k +
                           static_cast<unsigned>(std::countr_zero(report)));
      report &= report - 1;
    }
  }
  // The run touching the end stays open (it started after any carried
  // run ended): its bytes back to its start.
  std::size_t k = n - 1;
  const unsigned w = width(k);
  std::uint64_t tail =
    static_cast<unsigned>(std::countl_one(m[k] | ~full(k))) - (64 - w);
  if (tail == w) {
    while (k > 0 && m[k - 1] == ~std::uint64_t{0}) {
      --k;
      tail += 64;
    }
    if (k > 0) {
      tail += static_cast<unsigned>(std::countl_one(m[k - 1]));
    }
  }
  s.run_length = tail;
  s.run_begin = offset + 64 * (n - 1) + w - tail;
  s.reported = tail >= min_length;
}

/// Up to 64 blocks (their masks from `mask64`), then their runs.
template <run_finder_isa Isa, class Mask64, class MaskPartial>
__attribute__((always_inline)) inline void
scan_batch(scan_state& s, const char* data, std::size_t bytes,
           std::uint64_t offset, std::vector<std::uint64_t>& run_begins,
           Mask64 mask64, MaskPartial mask_partial) {
  std::uint64_t m[64];
  const std::size_t whole = bytes / 64;
  for (std::size_t b = 0; b < whole; ++b) {
    m[b] = mask64(data + 64 * b);
  }
  std::size_t n = whole;
  unsigned last = 64;
  if (bytes % 64 != 0) {
    last = static_cast<unsigned>(bytes % 64);
    m[n++] = mask_partial(data + 64 * whole, last);
  }
  blocks<Isa>(s, m, n, last, offset, run_begins);
}

#if defined(__x86_64__)
/// A write of at most 64 bytes: one block (AVX2 also when the CPU has
/// AVX-512: measured no faster for one block).
__attribute__((target("avx2,bmi,bmi2,lzcnt,popcnt"))) void
scan_small_fast(scan_state& s, const char* data, std::size_t bytes,
                std::uint64_t offset,
                std::vector<std::uint64_t>& run_begins) {
  const auto n = static_cast<unsigned>(bytes);
  const std::uint64_t m =
    n == 64 ? avx2_mask64(data) : avx2_mask_partial(data, n);
  if (s.min_length < 16 || s.min_length > 64) {
    blocks(s, &m, 1, n, offset, run_begins);
    return;
  }
  // `blocks` for one block, as straight-line code.
  const std::uint64_t all =
    n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
  std::uint64_t prev = 0;
  if (s.run_length > 0) {
    const auto lead = static_cast<unsigned>(std::countr_one(m));
    s.run_length += lead;
    if (!s.reported && s.run_length >= s.min_length) {
      run_begins.push_back(s.run_begin);
      s.reported = true;
    }
    if (lead >= n) {
      return;
    }
    prev = 1;
  }
  std::uint64_t report =
    long_runs_fixed(m, s.shift_a, s.shift_b) & m & ~((m << 1) | prev);
  while (report != 0) {
    run_begins.push_back(offset +
                         static_cast<unsigned>(std::countr_zero(report)));
    report &= report - 1;
  }
  const auto tail =
    static_cast<unsigned>(std::countl_one(m | ~all)) - (64 - n);
  s.run_length = tail;
  s.run_begin = offset + n - tail;
  s.reported = tail >= s.min_length;
}

__attribute__((target("avx2,bmi,bmi2,lzcnt,popcnt"))) void
scan_fast(scan_state& s, const char* data, std::size_t bytes,
          std::uint64_t offset, std::vector<std::uint64_t>& run_begins) {
  scan_batch<run_finder_isa::avx2>(
    s, data, bytes, offset, run_begins,
    [](const char* p) __attribute__((target("avx2"))) {
      return avx2_mask64(p);
    },
    [](const char* p, unsigned n) __attribute__((target("avx2"))) {
      return avx2_mask_partial(p, n);
    });
}

__attribute__((target("avx512f,avx512bw,avx512cd,avx2,bmi,bmi2,lzcnt,"
                      "popcnt"))) void
scan_wide(scan_state& s, const char* data, std::size_t bytes,
          std::uint64_t offset, std::vector<std::uint64_t>& run_begins) {
  scan_batch<run_finder_isa::avx512>(
    s, data, bytes, offset, run_begins,
    [](const char* p) __attribute__((target("avx512f,avx512bw"))) {
      return avx512_mask64(p);
    },
    [](const char* p, unsigned n) __attribute__((target("avx512f,avx512bw"))) {
      return avx512_mask_partial(p, n);
    });
}
#endif

void scan_plain(scan_state& s, const char* data, std::size_t bytes,
                std::uint64_t offset,
                std::vector<std::uint64_t>& run_begins) {
  scan_batch<run_finder_isa::portable>(
    s, data, bytes, offset, run_begins,
    [](const char* p) { return scalar_mask(p, 64); },
    [](const char* p, unsigned n) { return scalar_mask(p, n); });
}

} // namespace

token_run_finder::token_run_finder(std::size_t min_length)
  : s_{min_length} {
  // For 16 <= min_length <= 64: bit i of `long_runs` stays set iff bits
  // i .. i+min_length-1 are all set, in fixed steps (16, then shift_a,
  // then shift_b); other lengths take the generic doubling loop.
  if (min_length >= 16 && min_length <= 64) {
    s_.shift_a = static_cast<unsigned>(std::min<std::size_t>(min_length - 16, 16));
    s_.shift_b = static_cast<unsigned>(min_length - 16 - s_.shift_a);
  }
}

void token_run_finder::reset() {
  s_.run_begin = s_.run_length = 0;
  s_.reported = false;
}

namespace {

#if defined(__x86_64__)
__attribute__((target("avx2,bmi"))) std::size_t
run_length_fast(const char* data, std::size_t size) {
  std::size_t i = 0;
  for (; i + 32 <= size; i += 32) {
    const std::uint32_t m = avx2_mask32(data + i);
    if (m != ~std::uint32_t{0}) {
      return i + static_cast<unsigned>(std::countr_one(m));
    }
  }
  return plain_run_length(data, size, i);
}

__attribute__((target("avx512f,avx512bw,bmi"))) std::size_t
run_length_wide(const char* data, std::size_t size) {
  std::size_t i = 0;
  for (; i + 64 <= size; i += 64) {
    const std::uint64_t m = avx512_mask64(data + i);
    if (m != ~std::uint64_t{0}) {
      return i + static_cast<unsigned>(std::countr_one(m));
    }
  }
  if (i < size) {
    const auto rest = static_cast<unsigned>(size - i);
    return i + static_cast<unsigned>(
                 std::countr_one(avx512_mask_partial(data + i, rest)));
  }
  return i;
}
#endif

} // namespace

namespace {

#if defined(__x86_64__)
__attribute__((target("avx2,lzcnt"))) std::size_t
visible_tail_fast(const char* data, std::size_t size) {
  std::size_t n = 0;
  while (size - n >= 32) {
    const std::uint32_t m = avx2_visible32(data + size - n - 32);
    if (m != ~std::uint32_t{0}) {
      return n + static_cast<unsigned>(std::countl_one(m));
    }
    n += 32;
  }
  return plain_visible_tail(data, size, n);
}

__attribute__((target("avx512f,avx512bw,avx2,lzcnt"))) std::size_t
visible_tail_wide(const char* data, std::size_t size) {
  std::size_t n = 0;
  while (size - n >= 64) {
    const std::uint64_t m = avx512_visible64(data + size - n - 64);
    if (m != ~std::uint64_t{0}) {
      return n + static_cast<unsigned>(std::countl_one(m));
    }
    n += 64;
  }
  return visible_tail_fast(data, size - n) + n;
}
#endif

} // namespace

run_finder_isa best_run_finder_isa() {
  return best_isa;
}

run_finder_isa set_run_finder_isa(run_finder_isa wanted) {
  return active_isa.exchange(std::min(wanted, best_isa));
}

std::size_t visible_tail_length(const char* data, std::size_t size) {
#if defined(__x86_64__)
  switch (isa()) {
  case run_finder_isa::avx512:
    return visible_tail_wide(data, size);
  case run_finder_isa::avx2:
    return visible_tail_fast(data, size);
  case run_finder_isa::portable:
    break;
  }
#endif
  return plain_visible_tail(data, size, 0);
}

std::size_t token_run_length(const char* data, std::size_t size) {
#if defined(__x86_64__)
  switch (isa()) {
  case run_finder_isa::avx512:
    return run_length_wide(data, size);
  case run_finder_isa::avx2:
    return run_length_fast(data, size);
  case run_finder_isa::portable:
    break;
  }
#endif
  return plain_run_length(data, size, 0);
}

void token_run_finder::scan(const char* data, std::size_t size,
                            std::uint64_t offset,
                            std::vector<std::uint64_t>& run_begins) {
#if defined(__x86_64__)
  const run_finder_isa use = isa();
  if (use != run_finder_isa::portable && size <= 64 && size > 0) {
    scan_small_fast(s_, data, size, offset, run_begins);
    return;
  }
#endif
  // The state lives in a local while scanning (stores through
  // `run_begins` could alias members as far as the compiler knows).
  scan_state s = s_;
  for (std::size_t i = 0; i < size; i += 64 * 64) {
    const std::size_t bytes = std::min<std::size_t>(64 * 64, size - i);
#if defined(__x86_64__)
    if (use == run_finder_isa::avx512) {
      scan_wide(s, data + i, bytes, offset + i, run_begins);
      continue;
    }
    if (use == run_finder_isa::avx2) {
      scan_fast(s, data + i, bytes, offset + i, run_begins);
      continue;
    }
#endif
    scan_plain(s, data + i, bytes, offset + i, run_begins);
  }
  s_ = s;
}

} // namespace telclaude::security
