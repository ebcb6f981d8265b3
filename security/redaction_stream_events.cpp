// The events of a write and what they become: the Hyperscan callback,
// probes of trigger tails, and reports and token runs turned into ranges
// (open secrets, keyword and Discord checks, entropy runs, PEM blocks).
// The write, hold and release machinery is in redaction_stream.cpp.
#include "security/redaction_stream.hpp"

#include "security/char_class.hpp"
#include "security/probe.hpp"

#include <algorithm>

namespace telclaude::security {

int redaction_stream::on_match(unsigned id, unsigned long long from,
                               unsigned long long to, unsigned,
                               void* self) {
  auto& s = *static_cast<redaction_stream*>(self);
  const auto& r = (*s.rules_)[id];
  if (r.tail.empty()) {
    // Most keyword hits (`token`, `secret` in prose and code) fail at the
    // first byte after the keyword: `resolve` would drop them, so they do
    // not become events (an assignment needs a quote, a space, `:` or `=`
    // there, a spaced keyword a space).
    if (!r.user && (r.kind == extent::assignment || r.kind == extent::spaced) &&
        to < s.end_) {
      const char c = s.at(to);
      const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
      if (!space && (r.kind == extent::spaced ||
                     (c != '"' && c != '\'' && c != ':' && c != '='))) {
        return 0;
      }
    }
    s.events_.push_back({to, from, id});
  } else if (to < s.data_start_ ||
             !probe_fails_at_first_run(
               r.tail, s.data_ + (to - s.data_start_),
               static_cast<std::size_t>(s.end_ - to))) {
    // Most `://` hits (`https://host/`) fail at the first `/`: decided
    // here when the write holds that byte, as the probe would.
    s.triggers_.push_back({to, from, id});
  }
  return 0;
}

void redaction_stream::run_probes() {
  if (probes_.empty() && triggers_.empty()) {
    return;
  }
  std::erase_if(probes_, [this](probe& p) { return feed(p); });
  for (const auto& t : triggers_) {
    probe p{t.to, t.rule, {}};
    if (!feed(p)) {
      probes_.push_back(p);
    }
  }
  triggers_.clear();
}

bool redaction_stream::feed(probe& p) {
  if (p.next < data_start_) {
    return true;  // cannot happen: triggers arrive with their last byte
  }
  // Probes created or carried into this write read only its bytes.
  std::size_t used = 0;
  const auto r = feed_probe((*rules_)[p.rule].tail, p.state,
                            data_ + (p.next - data_start_),
                            static_cast<std::size_t>(end_ - p.next), used);
  p.next += used;
  if (r == probe_result::match) {
    events_.push_back({p.next, 0, p.rule});
  }
  return r != probe_result::more;
}

void redaction_stream::process_events() {
  if (events_.empty() && open_.empty() && checks_.empty() && !run_.active &&
      !block_.active) {
    return;  // the common case: nothing found, nothing in progress
  }
  // Secrets and runs carried over extend first: whether a report is a
  // repeat of one of them depends on where they end, not on the chunking.
  std::erase_if(open_, [this](open_range& r) { return advance(r, false); });
  advance_run(false);
  std::erase_if(checks_,
                [this](const pending_check& c) { return resolve(c, false); });
  if (events_.size() > 1) {
    std::sort(events_.begin(), events_.end(),
              [](const event& a, const event& b) {
                return a.to != b.to ? a.to < b.to : a.rule < b.rule;
              });
    // Two triggers may confirm the same match; Hyperscan reports a
    // pattern's match end once.
    events_.erase(std::unique(events_.begin(), events_.end(),
                              [](const event& a, const event& b) {
                                return a.to == b.to && a.rule == b.rule;
                              }),
                  events_.end());
  }
  for (const auto& e : events_) {
    handle(e);
  }
  if (block_.active && end_ >= block_.cap) {
    close_block(block_.cap);
  }
}

void redaction_stream::handle(const event& e) {
  const auto& r = (*rules_)[e.rule];
  if (r.user) {
    // Exactly what matched; without start-of-match, the widest span.
    const std::uint64_t width = std::min<std::uint64_t>(e.to, r.user_width);
    std::uint64_t begin = r.user_som ? std::max(e.from, e.to - width)
                                     : e.to - width;
    add_final(std::max(begin, emitted_), e.to, e.rule);
    return;
  }
  if (block_.active && e.to > block_.cap) {
    close_block(block_.cap);
  }
  if (r.entropy_run) {
    on_entropy_run(e.to);
    return;
  }
  if (r.kind == extent::assignment || r.kind == extent::spaced) {
    add_check({e.to, e.to, e.rule});
    return;
  }
  if (covered(e.rule, e.to - 1)) {
    return;  // another report of a secret already being redacted
  }
  const std::uint64_t floor =
    std::max(emitted_, e.to > engine_->max_back() ? e.to - engine_->max_back()
                                                  : std::uint64_t{0});
  switch (r.kind) {
  case extent::value:
    start_range(std::max(floor, e.to - std::min<std::uint64_t>(
                                          e.to, r.value_len)),
                e.to, e.rule);
    break;
  case extent::token: {
    std::uint64_t lo = e.to > token_max_back ? e.to - token_max_back : 0;
    lo = std::max(lo, floor);
    std::uint64_t p = e.to - 1;
    while (p > lo && in_alphabet(r.back, at(p - 1))) {
      --p;
    }
    start_range(p, e.to, e.rule);
    break;
  }
  case extent::url_password: {
    // The match ends at '@'; the authority runs back to the "//".
    const std::uint64_t at_sign = e.to - 1;
    std::uint64_t a = at_sign;
    while (a > floor && in_alphabet(alpha::authority, at(a - 1))) {
      --a;
    }
    while (a < at_sign && at(a) != ':') {
      ++a;
    }
    if (a + 1 < at_sign) {
      add_final(a + 1, at_sign, e.rule);
    }
    last_[e.rule] = {a, at_sign, false, true};
    break;
  }
  case extent::block:
    if (!block_.active) {
      block_ = {true, e.to, e.to + r.max_len, e.rule};
    }
    break;
  case extent::block_end:
    if (block_.active && e.to > block_.begin) {
      close_block(e.to);
    }
    break;
  case extent::assignment:
  case extent::spaced:
  case extent::dotted:
    break;
  }
}

bool redaction_stream::covered(std::uint32_t rule, std::uint64_t pos) const {
  const auto& last = last_[rule];
  return last.valid && pos >= last.begin && (last.open || pos < last.end);
}

void redaction_stream::add_check(const pending_check& c) {
  if (!resolve(c, false)) {
    checks_.push_back(c);
  }
}

bool redaction_stream::resolve(const pending_check& c, bool at_end) {
  const auto& r = (*rules_)[c.rule];
  std::uint64_t i = c.anchor;
  // Each step needs one more byte; running out means "not yet".
  const auto need = [&] { return i < end_; };
  const auto is_space = [](char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
  };
  const auto is_quote = [](char ch) { return ch == '"' || ch == '\''; };
  if (r.kind == extent::dotted) {
    // id.time.hmac: the run [begin, anchor) is the id; then '.', 6 token
    // bytes, '.', 27 token bytes.
    for (unsigned k = 0; k < 35; ++k, ++i) {
      if (!need()) {
        return at_end;
      }
      const bool dot = k == 0 || k == 7;
      if (dot ? at(i) != '.' : !in_alphabet(alpha::b64url, at(i))) {
        return true;
      }
    }
    if (!covered(c.rule, c.begin)) {
      start_range(c.begin, i, c.rule);
    }
    return true;
  }
  const auto skip_spaces = [&](unsigned most) -> int {
    unsigned n = 0;
    while (n < most) {
      if (!need()) {
        return -1;
      }
      if (!is_space(at(i))) {
        break;
      }
      ++i;
      ++n;
    }
    return static_cast<int>(n);
  };
  if (r.kind == extent::assignment) {
    if (!need()) {
      return at_end;
    }
    i += is_quote(at(i)) ? 1 : 0;
    if (skip_spaces(3) < 0) {
      return at_end;
    }
    if (!need()) {
      return at_end;
    }
    const char sep = at(i);
    if (sep != ':' && sep != '=') {
      return true;
    }
    ++i;
    if (!need()) {
      return at_end;
    }
    if ((sep == ':' && at(i) == '=') || (sep == '=' && at(i) == '>')) {
      ++i;
    }
    if (skip_spaces(3) < 0) {
      return at_end;
    }
  } else {
    const int n = skip_spaces(3);
    if (n < 0) {
      return at_end;
    }
    if (n == 0) {
      return true;
    }
  }
  if (!need()) {
    return at_end;
  }
  i += is_quote(at(i)) ? 1 : 0;
  if (!need()) {
    return at_end;
  }
  const char first = at(i);
  if (!in_alphabet(r.fwd, first) || first == '=' || first == '>' ||
      covered(c.rule, i)) {
    return true;
  }
  start_range(i, i, c.rule);
  return true;
}

void redaction_stream::start_range(std::uint64_t begin, std::uint64_t scan,
                                   std::uint32_t rule) {
  const auto& r = (*rules_)[rule];
  open_range o{begin, scan, begin + r.max_len, rule};
  last_[rule] = {begin, 0, true, true};
  if (!advance(o, false)) {
    open_.push_back(o);
  }
}

bool redaction_stream::advance(open_range& o, bool at_end) {
  const auto& r = (*rules_)[o.rule];
  if (o.scan < end_ && o.scan < o.cap) {
    o.scan = alphabet_end(r.fwd, o.scan, std::min(end_, o.cap));
  }
  if (o.scan == end_ && o.scan < o.cap && !at_end) {
    return false;
  }
  last_[o.rule] = {o.begin, o.scan, false, true};
  const bool keyed =
    r.kind == extent::assignment || r.kind == extent::spaced;
  if ((!keyed || o.scan - o.begin >= r.value_len) &&
      (r.check != value_check::assignment ||
       plausible_assignment_value(text(o.begin, o.scan)))) {
    add_final(o.begin, o.scan, o.rule);
  }
  return true;
}

void redaction_stream::on_entropy_run(std::uint64_t to) {
  if (run_.active || to - 1 < run_.end) {
    return;
  }
  const std::uint64_t begin =
    std::max(to - engine_->run_min_length(), emitted_);
  run_ = {true, begin, false, begin, to, 0};
  advance_run(false);
}

void redaction_stream::advance_run(bool at_end) {
  const auto& detector = engine_->entropy();
  const auto rule = static_cast<std::uint32_t>(rules_->size() - 1);
  while (run_.active) {
    const std::uint64_t limit = run_.segment_begin + entropy_detector::segment;
    const std::uint64_t stop = std::min(end_, limit);
    if (run_.scan < stop) {
      run_.scan +=
        run_length_at(run_.scan, static_cast<std::size_t>(stop - run_.scan));
    }
    const bool full = run_.scan == limit;
    if (!full && run_.scan == end_ && !at_end) {
      return;
    }
    const auto piece = text(run_.segment_begin, run_.scan);
    // A short tail of a long run belongs to the piece before it.
    const bool flagged = piece.size() >= detector.min_length()
                           ? detector.is_secret(piece)
                           : run_.prev_flagged && !piece.empty();
    if (flagged) {
      add_final(run_.segment_begin, run_.scan, rule);
    }
    run_.prev_flagged = flagged;
    run_.segment_begin = run_.scan;
    if (!full) {
      run_.active = false;
      run_.end = run_.scan;
      if (discord_id(run_.begin, run_.end - run_.begin)) {
        add_check({run_.end, run_.begin, dotted_rule_});
      }
    }
  }
}

bool redaction_stream::discord_id(std::uint64_t begin,
                                  std::uint64_t length) const {
  return length >= 24 && length <= 26 && dotted_rule_ < rules_->size() &&
         (at(begin) == 'M' || at(begin) == 'N' || at(begin) == 'O');
}

void redaction_stream::close_block(std::uint64_t end) {
  if (end > block_.begin) {
    add_final(block_.begin, end, block_.rule);
  }
  block_.active = false;
}

void redaction_stream::add_final(std::uint64_t begin, std::uint64_t end,
                                 std::uint32_t rule) {
  if (end > begin) {
    finals_.push_back({begin, end, rule});
  }
}

} // namespace telclaude::security
