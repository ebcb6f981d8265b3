#pragma once

#include "security/redaction_engine.hpp"

#include <string>
#include <vector>

namespace telclaude::security {

/// One family's result in `doctor --secrets`.
struct self_test_result {
  std::string family;
  std::string pattern_id;
  bool planted = false;       ///< an example was generated and written
  bool redacted_ok = false;   ///< marker present, no 8-byte window leaked
  bool streamed_ok = false;   ///< 7-byte writes gave the one-shot output
};

/// Plants one generated example of every CORE family (and PEM kind) in
/// ordinary text, redacts it one-shot and in 7-byte writes, and reports.
std::vector<self_test_result>
run_secrets_self_test(const redaction_engine& engine);

} // namespace telclaude::security
