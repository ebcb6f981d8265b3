#pragma once

#include "security/observer_classification.hpp"
#include "security/observer_patterns.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct hs_database;

namespace telclaude::security {

/// What the fast path made of one message.
struct fast_path_result {
  /// The verdict, or nullopt: undecided, ask the model.
  std::optional<classification> verdict;
  /// The deciding pattern's id and reason (empty when undecided).
  std::string pattern_id;
  std::string reason;
  /// Every pattern that matched, in table order (for tests and the log).
  std::vector<std::string_view> matched;
};

/// The observer's fast path: the reviewed patterns of
/// `security/observer_patterns.hpp` compiled once into one Hyperscan block
/// database (caseless, single match), shared read-only; each thread scans
/// with a scratch of its own. Decides the obvious cases with no model
/// call: any BLOCK pattern wins, then any WARN; an ALLOW pattern decides
/// only when no `ask_model` pattern matched as well.
class fast_path {
public:
  /// The process-wide compiled patterns (compiled on first use; a pattern
  /// that does not compile is a programming error: std::logic_error).
  static std::shared_ptr<const fast_path> shared();

  ~fast_path();
  fast_path(const fast_path&) = delete;
  fast_path& operator=(const fast_path&) = delete;

  /// Scans `text` (any size; thread-safe).
  fast_path_result scan(std::string_view text) const;

private:
  fast_path();
  hs_database* db_ = nullptr;
  std::uint64_t serial_ = 0;
};

} // namespace telclaude::security
