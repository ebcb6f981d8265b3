#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace telclaude::security {

/// `security.secretFilter.entropyDetection`.
struct entropy_settings {
  bool enabled = true;
  /// Bits per character, as an offset: 4.5 is the calibrated default; each
  /// bit above it raises every per-alphabet limit by one bit (fewer
  /// redactions), each bit below lowers it. See docs/redaction.md.
  double threshold = 4.5;
  /// Shortest run considered, in bytes (16 to 128).
  int min_length = 32;
};

/// What `entropy_detector::is_secret` first counts in a run (at most
/// `segment` bytes of it): letters of each case, dashes, separators
/// (`/ - _`) and a bit per class present. Exposed so that tests can check
/// the AVX2 count (`simd`) against the portable one.
struct run_census {
  unsigned lower;
  unsigned upper;
  unsigned dashes;
  unsigned separators;
  std::uint16_t seen;
};
run_census census_of(std::string_view s, bool simd = true);

/// True when `run` (at most `entropy_detector::segment` bytes, no `=`) is
/// hex of one case, dashes allowed but fewer than one per 8 bytes, whose
/// length without dashes is a digest length (32, 40, 56, 64, 96, 128) or
/// under `min_length`: a commit id, checksum or UUID, which
/// `entropy_detector::is_secret` rejects (digits only, hex letters only and
/// hex digests all are). A cheap first pass (AVX2: 32 bytes per step,
/// stopping at the first byte outside hex); exposed so that tests can check
/// it against the portable one and the census rules.
bool plain_hex_digest(std::string_view run, std::size_t min_length,
                      bool simd = true);

/// Decides whether a run of `[A-Za-z0-9+/_-]` bytes is a random key.
///
/// A fixed bits-per-character cut cannot work: the plug-in entropy of a
/// short random string is far below log2 of its alphabet (a 32-byte base62
/// key averages ~4.5 bits, hex never exceeds 4). So each run is compared
/// with the *expected* entropy of a uniformly random string of the same
/// length over the alphabet its characters come from, minus a margin that
/// shrinks with length. Shapes that are random by nature but not secret
/// (hex digests of standard lengths, UUIDs) and shapes that are not random
/// (single-class words, camelCase) are ruled out first.
class entropy_detector {
public:
  /// Longest run evaluated as one piece; longer runs are cut into pieces
  /// of this size at fixed offsets from the run's start.
  static constexpr std::size_t segment = 256;

  /// Throws `user_error("redact.entropy")` on out-of-range settings.
  explicit entropy_detector(const entropy_settings& settings);

  bool enabled() const {
    return settings_.enabled;
  }
  std::size_t min_length() const {
    return static_cast<std::size_t>(settings_.min_length);
  }

  /// True when `run` should be redacted as `high-entropy`.
  bool is_secret(std::string_view run) const;

  /// Plug-in Shannon entropy of `s` in bits per byte.
  static double shannon_bits(std::string_view s);

  /// Expected plug-in entropy of `n` uniform draws from `k` symbols.
  double expected_random_bits(int k, std::size_t n) const;

private:
  entropy_settings settings_;
  /// expected_[k * (segment + 1) + n], k in [0, 68), n in [0, segment].
  std::vector<float> expected_;
};

} // namespace telclaude::security
