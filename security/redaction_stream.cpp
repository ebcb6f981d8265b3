#include "security/redaction_stream.hpp"

#include "security/char_class.hpp"
#include "security/probe.hpp"

#include <hs/hs.h>

#include <algorithm>
#include <new>
#include <stdexcept>

namespace telclaude::security {

namespace {

/// The calling thread's Hyperscan scratch, grown once for each engine it
/// meets (a scratch allocated for several databases serves all of them).
hs_scratch_t* thread_scratch_slow(const redaction_engine& engine);

/// The last engine this thread scanned for, in plain thread-locals (no
/// initialisation guard on the per-write path).
thread_local hs_scratch_t* last_scratch = nullptr;
thread_local std::uint64_t last_serial = 0;

inline hs_scratch_t* thread_scratch(const redaction_engine& engine) {
  if (last_serial == engine.serial()) {
    return last_scratch;
  }
  last_scratch = thread_scratch_slow(engine);
  last_serial = engine.serial();
  return last_scratch;
}

hs_scratch_t* thread_scratch_slow(const redaction_engine& engine) {
  struct holder {
    hs_scratch_t* scratch = nullptr;
    std::uint64_t last = 0;
    std::vector<std::uint64_t> seen;
    ~holder() {
      hs_free_scratch(scratch);
    }
  };
  thread_local holder h;
  if (h.last == engine.serial()) {
    return h.scratch;
  }
  if (std::find(h.seen.begin(), h.seen.end(), engine.serial()) ==
      h.seen.end()) {
    if (hs_alloc_scratch(engine.database(), &h.scratch) != HS_SUCCESS) {
      throw std::bad_alloc();
    }
    h.seen.push_back(engine.serial());
  }
  h.last = engine.serial();
  return h.scratch;
}

} // namespace

redaction_stream::redaction_stream(
  std::shared_ptr<const redaction_engine> engine)
  : engine_(std::move(engine)), rules_(&engine_->rules()),
    runs_(engine_->run_min_length()) {
  last_.resize(rules_->size());
  for (std::size_t i = 0; i < rules_->size(); ++i) {
    if ((*rules_)[i].kind == extent::dotted) {
      dotted_rule_ = static_cast<std::uint32_t>(i);
    }
  }
  data_ = head_ = buf_.data();
  open_stream();
}

redaction_stream::~redaction_stream() {
  if (stream_ != nullptr) {
    hs_close_stream(stream_, nullptr, nullptr, nullptr);
  }
}

void redaction_stream::open_stream() {
  if (hs_open_stream(engine_->database(), 0, &stream_) != HS_SUCCESS) {
    throw std::bad_alloc();
  }
}

void redaction_stream::reset() {
  if (stream_ != nullptr) {
    hs_close_stream(stream_, nullptr, nullptr, nullptr);
    stream_ = nullptr;
  }
  open_stream();
  finished_ = false;
  buf_.clear();
  buf_start_ = emitted_ = end_ = visible_start_ = 0;
  data_ = head_ = buf_.data();
  data_start_ = head_start_ = split_ = 0;
  events_.clear();
  triggers_.clear();
  probes_.clear();
  runs_.reset();
  checks_.clear();
  finals_.clear();
  open_.clear();
  last_.assign(rules_->size(), last_extent{});
  run_ = {};
  block_ = {};
  marker_end_ = UINT64_MAX;
  marker_id_ = {};
  findings_.clear();
}

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
  } else {
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

__attribute__((always_inline)) inline std::uint64_t
redaction_stream::hold_point() const {
  std::uint64_t hold = std::max(visible_start_,
                                end_ > engine_->max_back()
                                  ? end_ - engine_->max_back()
                                  : std::uint64_t{0});
  if (engine_->user_hold() > 0) {
    hold = std::min(hold, end_ > engine_->user_hold()
                            ? end_ - engine_->user_hold()
                            : std::uint64_t{0});
  }
  for (const auto& o : open_) {
    hold = std::min(hold, o.begin);
  }
  if (run_.active) {
    hold = std::min(hold, run_.segment_begin);
  }
  if (block_.active) {
    hold = std::min(hold, block_.begin);
  }
  // A pending check re-reads its bytes from the anchor (a keyword's
  // separator, a Discord id) until it decides.
  for (const auto& c : checks_) {
    hold = std::min({hold, c.begin, c.anchor});
  }
  return std::max(hold, emitted_);
}

std::string_view redaction_stream::text(std::uint64_t begin,
                                        std::uint64_t end) const {
  const auto size = static_cast<std::size_t>(end - begin);
  if (begin >= split_) {
    return std::string_view(data_ + (begin - data_start_), size);
  }
  if (end <= split_) {
    return std::string_view(head_ + (begin - head_start_), size);
  }
  join_.assign(head_ + (begin - head_start_),
               static_cast<std::size_t>(split_ - begin));
  join_.append(data_ + (split_ - data_start_),
               static_cast<std::size_t>(end - split_));
  return join_;
}

__attribute__((always_inline)) inline void
redaction_stream::append_text(std::string& out, std::uint64_t begin,
                              std::uint64_t end) const {
  if (begin < split_) {
    const std::uint64_t mid = std::min(end, split_);
    out.append(head_ + (begin - head_start_),
               static_cast<std::size_t>(mid - begin));
    begin = mid;
  }
  if (end > begin) {
    out.append(data_ + (begin - data_start_),
               static_cast<std::size_t>(end - begin));
  }
}

std::size_t redaction_stream::run_length_at(std::uint64_t pos,
                                            std::size_t size) const {
  if (pos >= split_) {
    return token_run_length(data_ + (pos - data_start_), size);
  }
  const auto first =
    static_cast<std::size_t>(std::min<std::uint64_t>(size, split_ - pos));
  std::size_t n = token_run_length(head_ + (pos - head_start_), first);
  if (n == first && n < size) {
    n += token_run_length(data_ + (split_ - data_start_), size - first);
  }
  return n;
}

inline void redaction_stream::compact() {
  const std::size_t dead = static_cast<std::size_t>(emitted_ - buf_start_);
  if (dead >= 4096 && dead * 2 >= buf_.size()) {
    buf_.erase(0, dead);
    buf_start_ = emitted_;
  } else if (dead == buf_.size()) {
    buf_.clear();
    buf_start_ = emitted_;
  }
}

inline void redaction_stream::write_slice(std::string_view chunk,
                                          std::string& out) {
  const std::uint64_t chunk_begin = end_;
  // The caller's bytes are read where they are; bytes held from earlier
  // writes stay in `buf_` in front of them (no copy of the chunk unless
  // it is still held at the end of the write).
  // A small chunk after held bytes is cheaper to append to them (one
  // segment) than to read in two.
  constexpr std::size_t small_chunk = 512;
  const bool appended = emitted_ < chunk_begin && chunk.size() <= small_chunk;
  if (appended) {
    compact();
    buf_.append(chunk);
    data_ = head_ = buf_.data();
    data_start_ = head_start_ = split_ = buf_start_;
  } else {
    head_ = buf_.data();
    head_start_ = buf_start_;
    data_ = chunk.data();
    data_start_ = split_ = chunk_begin;
  }
  end_ += chunk.size();
  events_.clear();
  if (hs_scan_stream(stream_, chunk.data(),
                     static_cast<unsigned>(chunk.size()), 0,
                     thread_scratch(*engine_), &on_match,
                     this) != HS_SUCCESS) {
    throw std::runtime_error("redaction: Hyperscan stream scan failed");
  }
  run_begins_.clear();
  runs_.scan(chunk.data(), chunk.size(), chunk_begin, run_begins_);
  const auto run_rule = static_cast<std::uint32_t>(rules_->size() - 1);
  const std::size_t run_min = engine_->run_min_length();
  const std::size_t entropy_min = engine_->entropy().min_length();
  const auto& detector = engine_->entropy();
  for (const auto b : run_begins_) {
    // A run that ends inside this write within one entropy piece is judged
    // right here, exactly as `advance_run` would (a single piece, nothing
    // carried); only a possible Discord id, a run still open at the end of
    // the write and a long run become events.
    if (b >= emitted_) {
      const auto avail = static_cast<std::size_t>(std::min<std::uint64_t>(
        end_ - b, entropy_detector::segment + 1));
      const std::size_t len = run_length_at(b, avail);
      if (len < avail && !discord_id(b, len)) {
        if (len >= entropy_min && detector.is_secret(text(b, b + len))) {
          add_final(b, b + len, run_rule);
        }
        continue;
      }
    }
    events_.push_back({b + run_min, b, run_rule});
  }
  // The checks that make these calls no-ops are repeated here: most small
  // writes find nothing and have nothing in progress.
  if (!probes_.empty() || !triggers_.empty()) {
    run_probes();
  }
  if (!events_.empty() || !open_.empty() || !checks_.empty() ||
      run_.active || block_.active) {
    process_events();
  }
  // Trailing run of visible bytes: where a secret still being written
  // could begin (every secret alphabet is a subset of visible bytes).
  const std::size_t visible = visible_tail_length(chunk.data(), chunk.size());
  if (visible < chunk.size()) {
    visible_start_ = end_ - visible;
  }
  const std::uint64_t upto = hold_point();
  if (!finals_.empty()) {
    release(upto, out);
  } else if (upto > emitted_) {
    append_text(out, emitted_, upto);
    emitted_ = upto;
  }
  // Keep what is still held, contiguous in `buf_` (an appended chunk is
  // there already).
  if (!appended) {
    if (emitted_ >= chunk_begin) {
      buf_.assign(chunk.data() + (emitted_ - chunk_begin),
                  static_cast<std::size_t>(end_ - emitted_));
      buf_start_ = emitted_;
    } else {
      compact();
      buf_.append(chunk);
    }
  }
  data_ = head_ = buf_.data();
  data_start_ = head_start_ = split_ = buf_start_;
}

void redaction_stream::write(std::string_view chunk, std::string& out) {
  if (finished_) {
    throw std::logic_error("redaction_stream::write after finish");
  }
  // A large write is taken in slices that stay in the cache from the
  // Hyperscan scan to the release (the output is the same for any
  // chunking).
  constexpr std::size_t slice = 16 * 1024;
  while (!chunk.empty()) {
    const std::string_view piece = chunk.substr(0, slice);
    chunk.remove_prefix(piece.size());
    write_slice(piece, out);
  }
}

void redaction_stream::finish(std::string& out) {
  if (finished_) {
    return;
  }
  events_.clear();
  hs_close_stream(stream_, thread_scratch(*engine_), &on_match, this);
  stream_ = nullptr;
  run_probes();
  probes_.clear();  // a tail cut off by the end of the stream never matches
  process_events();
  advance_run(true);
  for (const auto& c : checks_) {
    resolve(c, true);
  }
  checks_.clear();
  for (auto& r : open_) {
    advance(r, true);
  }
  open_.clear();
  if (block_.active) {
    close_block(std::min(end_, block_.cap));
  }
  release(end_, out);
  finished_ = true;
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
  while (o.scan < end_ && o.scan < o.cap && in_alphabet(r.fwd, at(o.scan))) {
    ++o.scan;
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

void redaction_stream::release(std::uint64_t upto, std::string& out) {
  if (finals_.empty()) {
    if (upto > emitted_) {
      append_text(out, emitted_, upto);
      emitted_ = upto;
    }
    return;
  }
  if (!finals_.empty()) {
    std::sort(finals_.begin(), finals_.end(),
              [](const range& a, const range& b) {
                return a.begin != b.begin ? a.begin < b.begin
                                          : a.rule < b.rule;
              });
    // Never cut through a known range: its marker goes out whole.
    for (bool moved = true; moved;) {
      moved = false;
      for (const auto& r : finals_) {
        if (r.begin < upto && r.end > upto) {
          upto = std::max(r.begin, emitted_);
          moved = true;
        }
      }
    }
  }
  std::size_t i = 0;
  while (i < finals_.size() && finals_[i].begin < upto) {
    std::uint64_t begin = std::max(finals_[i].begin, emitted_);
    std::uint64_t end = finals_[i].end;
    std::uint32_t rule = finals_[i].rule;
    for (++i; i < finals_.size() && finals_[i].begin < end; ++i) {
      end = std::max(end, finals_[i].end);
      rule = std::min(rule, finals_[i].rule);
    }
    if (end <= emitted_) {
      continue;
    }
    append_text(out, emitted_, begin);
    const std::string& id = (*rules_)[rule].id;
    // A long run cut into pieces reads as one secret.
    if (begin != marker_end_ || id != marker_id_) {
      out.append("[REDACTED:").append(id).append("]");
    }
    findings_.push_back({id, begin, end});
    marker_end_ = end;
    marker_id_ = id;
    emitted_ = end;
  }
  finals_.erase(finals_.begin(),
                finals_.begin() + static_cast<std::ptrdiff_t>(i));
  if (upto > emitted_) {
    append_text(out, emitted_, upto);
    emitted_ = upto;
  }
}

} // namespace telclaude::security
