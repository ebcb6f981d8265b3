// The stream machinery: the Hyperscan stream and its scratch, reading the
// held bytes and the caller's chunk as two segments, the write (scan, run
// finder, runs judged in place), the hold point and the release. What a
// write's reports and runs become is in redaction_stream_events.cpp.
#include "security/redaction_stream.hpp"

#include "security/char_class.hpp"

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

std::uint64_t redaction_stream::alphabet_end(std::uint16_t alphabet,
                                             std::uint64_t pos,
                                             std::uint64_t limit) const {
  // A pointer loop over each segment (no `at` per byte); returns the
  // bytes taken from `p` (at stream position `from`) up to `to`.
  const auto scan = [alphabet](const char* p, std::uint64_t from,
                               std::uint64_t to) {
    const char* q = p;
    const char* last = p + (to - from);
    while (q < last && in_alphabet(alphabet, *q)) {
      ++q;
    }
    return from + static_cast<std::uint64_t>(q - p);
  };
  if (pos < split_) {
    const std::uint64_t mid = std::min(limit, split_);
    const std::uint64_t stop = scan(head_ + (pos - head_start_), pos, mid);
    if (stop < mid || mid == limit) {
      return stop;
    }
    pos = mid;
  }
  return scan(data_ + (pos - data_start_), pos, limit);
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

// Inlined into `write` (its only caller): no call per write.
__attribute__((always_inline)) inline void
redaction_stream::write_slice(std::string_view chunk, std::string& out) {
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