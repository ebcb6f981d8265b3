#include "security/redaction_engine.hpp"

#include "core/error.hpp"
#include "security/redaction_stream.hpp"

#include <hs/hs.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <stdexcept>

namespace telclaude::security {

namespace {

/// Widest user match kept whole; a longer one is redacted in its last
/// `user_cap` bytes only (and `user_cap` bytes are then always held).
constexpr std::uint32_t user_cap = 4096;

/// Longest `scheme://user:password@` the CORE regex accepts.
constexpr std::size_t url_password_span = 200;

std::atomic<std::uint64_t> next_serial{1};

bool valid_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

std::string pattern_error(const std::string& id, const std::string& why) {
  return "security.secretFilter.additionalPatterns: pattern \"" + id +
         "\" " + why;
}

/// Compiles `expr` alone; returns Hyperscan's reason on failure.
std::string try_compile(const std::string& expr, unsigned flags,
                        unsigned mode) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile(expr.c_str(), flags, mode, nullptr, &db, &err) ==
      HS_SUCCESS) {
    hs_free_database(db);
    return {};
  }
  std::string why = err->message;
  hs_free_compile_error(err);
  return why;
}

} // namespace

redaction_engine::redaction_engine(const redaction_settings& settings)
  : entropy_(settings.entropy), serial_(next_serial++) {
  std::vector<std::string> exprs;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (const auto& p : core_patterns()) {
    rule r;
    r.id = std::string(p.id);
    r.kind = p.kind;
    r.value_len = p.value_len;
    r.back = p.back;
    r.fwd = p.fwd;
    r.max_len = p.max_len;
    r.check = p.check;
    r.tail = p.tail;
    if (!p.trigger.empty()) {
      exprs.emplace_back(p.trigger);
      flags.push_back(0);
      ids.push_back(static_cast<unsigned>(rules_.size()));
    }
    if (p.kind == extent::value) {
      max_back_ = std::max<std::size_t>(max_back_, p.value_len);
    }
    rules_.push_back(std::move(r));
  }
  bool any_som = false;
  for (const auto& p : settings.additional_patterns) {
    ids.push_back(static_cast<unsigned>(rules_.size()));
    add_user_pattern(p, exprs, flags, any_som);
  }
  // Token runs (entropy candidates, Discord tokens) come from
  // `token_run_finder`, not Hyperscan; the rule is last: lowest priority.
  rule runs;
  runs.id = std::string(entropy_pattern_id);
  runs.entropy_run = true;
  rules_.push_back(std::move(runs));
  max_back_ = std::max({max_back_, std::size_t{token_max_back},
                        url_password_span, entropy_.min_length()});

  std::vector<const char*> ptrs;
  for (const auto& e : exprs) {
    ptrs.push_back(e.c_str());
  }
  const unsigned mode =
    HS_MODE_STREAM | (any_som ? HS_MODE_SOM_HORIZON_LARGE : 0u);
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(ptrs.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(ptrs.size()), mode, nullptr,
                       &db_, &err) != HS_SUCCESS) {
    std::string why = err->message;
    const int at = err->expression;
    hs_free_compile_error(err);
    const auto& culprit = rules_[ids[static_cast<std::size_t>(std::max(at, 0))]];
    if (at >= 0 && culprit.user) {
      throw user_error("redact.pattern",
                       pattern_error(culprit.id, "does not compile: " + why));
    }
    throw std::logic_error("CORE redaction patterns do not compile: " + why);
  }
}

void redaction_engine::add_user_pattern(const user_pattern& p,
                                        std::vector<std::string>& exprs,
                                        std::vector<unsigned>& flags,
                                        bool& any_som) {
  if (p.id.empty() || p.id.size() > 64 ||
      !std::all_of(p.id.begin(), p.id.end(), valid_id_char)) {
    throw user_error("redact.pattern_id",
                     pattern_error(p.id, "has an invalid id: use 1 to 64 "
                                         "characters of A-Z a-z 0-9 _ - ."));
  }
  for (const auto& r : rules_) {
    if (r.id == p.id) {
      throw user_error("redact.pattern_id",
                       pattern_error(p.id, r.user
                                             ? "is defined twice"
                                             : "reuses a CORE pattern id"));
    }
  }
  if (p.id == entropy_pattern_id) {
    throw user_error("redact.pattern_id",
                     pattern_error(p.id, "reuses a reserved pattern id"));
  }
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_expression_info(p.pattern.c_str(), 0, &info, &err) != HS_SUCCESS) {
    std::string why = err->message;
    hs_free_compile_error(err);
    throw user_error("redact.pattern",
                     pattern_error(p.id, "does not compile: " + why));
  }
  const unsigned min_width = info->min_width;
  const unsigned max_width = info->max_width;
  std::free(info);
  if (min_width == 0) {
    throw user_error("redact.pattern",
                     pattern_error(p.id, "does not compile: it can match "
                                         "empty text"));
  }
  // Start-of-match tells exactly where a user match begins; Hyperscan
  // cannot track it for some shapes (large bounded repeats), and then the
  // whole widest span before the match end is redacted (fail-closed).
  const std::string som_error = try_compile(
    p.pattern, HS_FLAG_SOM_LEFTMOST, HS_MODE_STREAM | HS_MODE_SOM_HORIZON_LARGE);
  rule r;
  r.id = p.id;
  r.user = true;
  r.user_som = som_error.empty();
  r.user_width = max_width == UINT_MAX ? user_cap
                                       : std::min<std::uint32_t>(max_width,
                                                                 user_cap);
  if (!r.user_som) {
    const std::string plain = try_compile(p.pattern, 0, HS_MODE_STREAM);
    if (!plain.empty()) {
      throw user_error("redact.pattern",
                       pattern_error(p.id, "does not compile: " + plain));
    }
  }
  user_hold_ = std::max<std::size_t>(user_hold_, r.user_width);
  any_som |= r.user_som;
  flags.push_back(r.user_som ? HS_FLAG_SOM_LEFTMOST : 0u);
  exprs.push_back(p.pattern);
  rules_.push_back(std::move(r));
}

redaction_engine::~redaction_engine() {
  hs_free_database(db_);
}

std::shared_ptr<const redaction_engine>
redaction_engine::compile(const redaction_settings& settings) {
  return std::shared_ptr<const redaction_engine>(
    new redaction_engine(settings));
}

std::string redaction_engine::redact(std::string_view text,
                                     std::vector<finding>* findings) const {
  redaction_stream stream(shared_from_this());
  std::string out;
  out.reserve(text.size() + 64);
  stream.write(text, out);
  stream.finish(out);
  if (findings != nullptr) {
    *findings = stream.findings();
  }
  return out;
}

bool redaction_engine::contains_secret(std::string_view text) const {
  std::vector<finding> found;
  redact(text, &found);
  return std::any_of(found.begin(), found.end(), [](const finding& f) {
    return f.pattern_id != entropy_pattern_id;
  });
}

} // namespace telclaude::security
