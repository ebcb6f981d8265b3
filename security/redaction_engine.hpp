#pragma once

#include "security/core_patterns.hpp"
#include "security/entropy.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct hs_database;

namespace telclaude::security {

/// One entry of `security.secretFilter.additionalPatterns`.
struct user_pattern {
  std::string id;
  std::string pattern;  ///< Hyperscan (PCRE-like) syntax
};

/// `security.secretFilter`: what a deployment may add to the CORE set.
struct redaction_settings {
  std::vector<user_pattern> additional_patterns;
  entropy_settings entropy;
};

/// One redacted range. Never carries the value.
struct finding {
  std::string pattern_id;
  std::uint64_t begin;  ///< byte offset in the input stream
  std::uint64_t end;    ///< one past the last redacted byte
};

/// Pattern id of ranges found by entropy detection.
inline constexpr std::string_view entropy_pattern_id = "high-entropy";

/// The compiled redaction rules: CORE patterns, user patterns and the
/// entropy candidate pattern in one Hyperscan streaming database. Immutable
/// after `compile`; shared read-only across threads (scratch space is per
/// thread, see `redaction_stream`).
class redaction_engine
  : public std::enable_shared_from_this<redaction_engine> {
public:
  /// How a Hyperscan id maps back onto a rule.
  struct rule {
    std::string id;
    extent kind = extent::value;
    std::uint16_t value_len = 0;
    std::uint16_t back = 0;
    std::uint16_t fwd = 0;
    std::uint32_t max_len = 0;
    value_check check = value_check::none;
    bool user = false;        ///< a user pattern: the range is the match
    bool user_som = false;    ///< Hyperscan reports its start
    std::uint32_t user_width = 0;  ///< max width when no SOM (capped)
    bool entropy_run = false; ///< token runs: entropy and `dotted`
    /// Hyperscan reports the trigger; the match is confirmed by hand.
    std::span<const probe_step> tail;
  };

  /// Compiles CORE + `settings`. Throws `user_error` with code
  /// `redact.pattern` / `redact.pattern_id` naming the offending user
  /// pattern and Hyperscan's reason, or `redact.entropy`.
  static std::shared_ptr<const redaction_engine>
  compile(const redaction_settings& settings);

  ~redaction_engine();
  redaction_engine(const redaction_engine&) = delete;
  redaction_engine& operator=(const redaction_engine&) = delete;

  /// One-shot redaction; identical to streaming `text` in any chunking.
  std::string redact(std::string_view text,
                     std::vector<finding>* findings = nullptr) const;

  /// True when a CORE or user pattern matches `text` (the inbound check).
  /// Entropy detection does not count: people paste hashes and ids.
  bool contains_secret(std::string_view text) const;

  /// Rules indexed by Hyperscan id.
  const std::vector<rule>& rules() const {
    return rules_;
  }
  const entropy_detector& entropy() const {
    return entropy_;
  }
  /// Bytes behind the write position a future secret may start at, beyond
  /// the run of visible bytes it lies in (see docs/redaction.md).
  std::size_t max_back() const {
    return max_back_;
  }
  /// Bytes always held back for user patterns (their widest match).
  std::size_t user_hold() const {
    return user_hold_;
  }
  /// Shortest token run reported (entropy candidates, Discord's first
  /// segment).
  std::size_t run_min_length() const {
    return std::min<std::size_t>(24, entropy_.min_length());
  }
  const hs_database* database() const {
    return db_;
  }
  /// Process-unique id, keys the per-thread scratch.
  std::uint64_t serial() const {
    return serial_;
  }

private:
  explicit redaction_engine(const redaction_settings& settings);
  void add_user_pattern(const user_pattern& p, std::vector<std::string>& exprs,
                        std::vector<unsigned>& flags, bool& any_som);

  std::vector<rule> rules_;
  entropy_detector entropy_;
  hs_database* db_ = nullptr;
  std::size_t max_back_ = 0;
  std::size_t user_hold_ = 0;
  std::uint64_t serial_ = 0;
};

} // namespace telclaude::security
