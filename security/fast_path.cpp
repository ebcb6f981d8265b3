#include "security/fast_path.hpp"

#include <hs/hs.h>

#include <algorithm>
#include <atomic>
#include <new>
#include <stdexcept>

namespace telclaude::security {

namespace {

std::atomic<std::uint64_t> next_serial{1};

/// The calling thread's scratch for the database with `serial` (the
/// redactor's pattern: allocated once per thread and database).
hs_scratch_t* thread_scratch(const hs_database_t* db, std::uint64_t serial) {
  struct holder {
    hs_scratch_t* scratch = nullptr;
    std::vector<std::uint64_t> seen;
    ~holder() {
      hs_free_scratch(scratch);
    }
  };
  thread_local holder h;
  if (std::find(h.seen.begin(), h.seen.end(), serial) == h.seen.end()) {
    if (hs_alloc_scratch(db, &h.scratch) != HS_SUCCESS)
      throw std::bad_alloc();
    h.seen.push_back(serial);
  }
  return h.scratch;
}

int on_match(unsigned int id, unsigned long long, unsigned long long,
             unsigned int, void* context) {
  auto* hits = static_cast<std::vector<bool>*>(context);
  (*hits)[id] = true;
  return 0;
}

} // namespace

std::shared_ptr<const fast_path> fast_path::shared() {
  static const std::shared_ptr<const fast_path> instance{new fast_path};
  return instance;
}

fast_path::fast_path() : serial_(next_serial++) {
  std::vector<std::string> exprs;
  std::vector<const char*> ptrs;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (std::size_t i = 0; i < observer_patterns.size(); ++i) {
    exprs.emplace_back(observer_patterns[i].regex);
    flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
    ids.push_back(static_cast<unsigned>(i));
  }
  for (const auto& e : exprs)
    ptrs.push_back(e.c_str());
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(ptrs.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(ptrs.size()), HS_MODE_BLOCK,
                       nullptr, &db_, &err) != HS_SUCCESS) {
    std::string why = err->message;
    int at = err->expression;
    hs_free_compile_error(err);
    std::string id = at >= 0 ? std::string{observer_patterns[at].id} : "?";
    throw std::logic_error("observer pattern " + id
                           + " does not compile: " + why);
  }
}

fast_path::~fast_path() {
  hs_free_database(db_);
}

fast_path_result fast_path::scan(std::string_view text) const {
  std::vector<bool> hits(observer_patterns.size(), false);
  auto* scratch = thread_scratch(db_, serial_);
  // Hyperscan takes an unsigned length: a longer text is scanned in
  // its first 4 GiB, far beyond any Telegram message.
  auto length = static_cast<unsigned>(
    std::min<std::size_t>(text.size(), 0xFFFFFFFFu));
  if (hs_scan(db_, text.data(), length, 0, scratch, on_match, &hits)
      != HS_SUCCESS)
    throw std::runtime_error("fast path: Hyperscan scan failed");

  fast_path_result out;
  const observer_pattern* block = nullptr;
  const observer_pattern* warn = nullptr;
  const observer_pattern* allow = nullptr;
  bool ask_model = false;
  for (std::size_t i = 0; i < observer_patterns.size(); ++i) {
    if (!hits[i])
      continue;
    const auto& p = observer_patterns[i];
    out.matched.push_back(p.id);
    switch (p.rule) {
    case fast_rule::block:
      block = block ? block : &p;
      break;
    case fast_rule::warn:
      warn = warn ? warn : &p;
      break;
    case fast_rule::allow:
      allow = allow ? allow : &p;
      break;
    case fast_rule::ask_model:
      ask_model = true;
      break;
    }
  }
  const observer_pattern* decided = nullptr;
  if (block) {
    decided = block;
    out.verdict = classification::block;
  } else if (warn) {
    decided = warn;
    out.verdict = classification::warn;
  } else if (allow && !ask_model) {
    decided = allow;
    out.verdict = classification::allow;
  }
  if (decided) {
    out.pattern_id = std::string{decided->id};
    out.reason = std::string{decided->reason};
  }
  return out;
}

} // namespace telclaude::security
