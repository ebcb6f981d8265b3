#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::security {

/// The CORE patterns as ECMAScript `std::regex`, the baseline that
/// `redact --bench` compares against. It does not stream: each write is
/// searched on its own (so it misses secrets split across writes — it does
/// less work than a correct streaming redactor would) and every match is
/// replaced by `[REDACTED:<id>]`. No entropy detection.
class regex_baseline {
public:
  regex_baseline();

  /// Appends `chunk` with every CORE match replaced to `out`; returns the
  /// number of matches.
  std::size_t redact(std::string_view chunk, std::string& out) const;

private:
  struct compiled {
    std::string id;
    std::regex re;
  };
  std::vector<compiled> patterns_;
};

} // namespace telclaude::security
