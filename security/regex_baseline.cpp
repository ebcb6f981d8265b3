#include "security/regex_baseline.hpp"

#include "security/core_patterns.hpp"

#include <algorithm>

namespace telclaude::security {

regex_baseline::regex_baseline() {
  for (const auto& p : core_patterns()) {
    auto flags = std::regex::ECMAScript | std::regex::optimize;
    if (p.caseless) {
      flags |= std::regex::icase;
    }
    patterns_.push_back({std::string(p.id),
                         std::regex(std::string(p.regex), flags)});
  }
}

std::size_t regex_baseline::redact(std::string_view chunk,
                                   std::string& out) const {
  struct hit {
    std::size_t begin;
    std::size_t end;
    const std::string* id;
  };
  std::vector<hit> hits;
  for (const auto& p : patterns_) {
    using it = std::regex_iterator<std::string_view::const_iterator>;
    for (it m(chunk.begin(), chunk.end(), p.re), last; m != last; ++m) {
      const auto begin = static_cast<std::size_t>(m->position());
      hits.push_back({begin, begin + static_cast<std::size_t>(m->length()),
                      &p.id});
    }
  }
  std::sort(hits.begin(), hits.end(),
            [](const hit& x, const hit& y) { return x.begin < y.begin; });
  std::size_t pos = 0;
  for (const auto& h : hits) {
    if (h.end <= pos) {
      continue;
    }
    out.append(chunk.substr(pos, h.begin > pos ? h.begin - pos : 0));
    out.append("[REDACTED:").append(*h.id).append("]");
    pos = h.end;
  }
  out.append(chunk.substr(pos));
  return hits.size();
}

} // namespace telclaude::security
