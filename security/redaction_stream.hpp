#pragma once

#include "security/probe.hpp"
#include "security/redaction_engine.hpp"
#include "security/token_runs.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct hs_stream;

namespace telclaude::security {

/// Redacts one output stream written in chunks of any size.
///
/// The output is byte-identical to `redaction_engine::redact` of the whole
/// text, whatever the chunking: every redacted range is a function of the
/// text alone, and a byte is released only once no future range can cover
/// it. Typically that holds back only the word being written; a secret in
/// progress (a PEM block, a JWT) is held from its first marker to its end
/// or a cap. Not thread-safe; uses the calling thread's scratch space.
class redaction_stream {
public:
  explicit redaction_stream(std::shared_ptr<const redaction_engine> engine);
  ~redaction_stream();
  redaction_stream(const redaction_stream&) = delete;
  redaction_stream& operator=(const redaction_stream&) = delete;

  /// Feeds `chunk`; appends to `out` whatever is now provably safe.
  void write(std::string_view chunk, std::string& out);

  /// Ends the stream: appends everything still held, redacted. Further
  /// writes throw `std::logic_error` until `reset`.
  void finish(std::string& out);

  /// Starts a new stream (offsets from 0, no findings).
  void reset();

  /// Ranges redacted so far, in stream order.
  const std::vector<finding>& findings() const {
    return findings_;
  }

  /// Hands over the findings so far and forgets them (long-running pipes
  /// keep memory bounded this way).
  std::vector<finding> take_findings() {
    return std::exchange(findings_, {});
  }

  /// Bytes written but not yet released.
  std::size_t held_bytes() const {
    return static_cast<std::size_t>(end_ - emitted_);
  }

  /// Bytes written so far.
  std::uint64_t position() const {
    return end_;
  }

private:
  struct event {
    std::uint64_t to;
    std::uint64_t from;
    std::uint32_t rule;
  };
  struct range {
    std::uint64_t begin;
    std::uint64_t end;
    std::uint32_t rule;
  };
  /// A secret whose end is not known yet.
  struct open_range {
    std::uint64_t begin;
    std::uint64_t scan;
    std::uint64_t cap;
    std::uint32_t rule;
  };
  /// Extent of the last range each rule produced (deduplicates reports).
  struct last_extent {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
    bool open = false;
    bool valid = false;
  };
  /// An entropy candidate run that has not ended yet.
  struct entropy_run {
    bool active = false;
    std::uint64_t begin = 0;
    bool prev_flagged = false;
    std::uint64_t segment_begin = 0;
    std::uint64_t scan = 0;
    std::uint64_t end = 0;
  };
  /// A keyword or Discord run waiting for the bytes that confirm it.
  struct pending_check {
    std::uint64_t anchor;  ///< where parsing starts
    std::uint64_t begin;   ///< where the secret would start (dotted)
    std::uint32_t rule;
  };
  /// A trigger whose rule's `tail` is still being matched, byte by byte
  /// as the stream arrives (it never re-reads released bytes).
  struct probe {
    std::uint64_t next;  ///< the next byte to match
    std::uint32_t rule;
    probe_state state;
  };
  struct open_block {
    bool active = false;
    std::uint64_t begin = 0;
    std::uint64_t cap = 0;
    std::uint32_t rule = 0;
  };

  static int on_match(unsigned id, unsigned long long from,
                      unsigned long long to, unsigned flags, void* self);

  char at(std::uint64_t pos) const {
    return pos >= split_ ? data_[pos - data_start_]
                         : head_[pos - head_start_];
  }
  /// The bytes [begin, end) in one piece (joined in `join_` in the rare
  /// case that they straddle the held bytes and the caller's chunk).
  std::string_view text(std::uint64_t begin, std::uint64_t end) const;
  /// Appends [begin, end) to `out` from wherever the bytes are.
  void append_text(std::string& out, std::uint64_t begin,
                   std::uint64_t end) const;
  /// The first position in [pos, limit) (limit <= end_) whose byte is not
  /// in `alphabet`, or `limit`.
  std::uint64_t alphabet_end(std::uint16_t alphabet, std::uint64_t pos,
                             std::uint64_t limit) const;
  /// Token-run bytes from `pos` on, at most `size` (see `token_run_length`).
  std::size_t run_length_at(std::uint64_t pos, std::size_t size) const;

  void open_stream();
  void write_slice(std::string_view chunk, std::string& out);
  void run_probes();
  bool feed(probe& p);
  void process_events();
  void handle(const event& e);
  void start_range(std::uint64_t begin, std::uint64_t scan,
                   std::uint32_t rule);
  bool advance(open_range& r, bool at_end);
  bool covered(std::uint32_t rule, std::uint64_t pos) const;
  bool resolve(const pending_check& c, bool at_end);
  void add_check(const pending_check& c);
  void on_entropy_run(std::uint64_t to);
  void advance_run(bool at_end);
  /// A complete token run that may be the id part of a Discord token.
  bool discord_id(std::uint64_t begin, std::uint64_t length) const;
  void close_block(std::uint64_t end);
  void add_final(std::uint64_t begin, std::uint64_t end, std::uint32_t rule);
  std::uint64_t hold_point() const;
  void release(std::uint64_t upto, std::string& out);
  void compact();

  std::shared_ptr<const redaction_engine> engine_;
  const std::vector<redaction_engine::rule>* rules_;
  hs_stream* stream_ = nullptr;
  bool finished_ = false;

  std::string buf_;             ///< held bytes [buf_start_, end_)
  std::uint64_t buf_start_ = 0;
  /// What `at`/`text` read: bytes from `split_` on at `data_` (during a
  /// write, the caller's chunk itself), bytes before it at `head_` (the
  /// bytes held from earlier writes, in `buf_`). Bytes are copied into
  /// `buf_` only when they are held past the write.
  const char* data_ = nullptr;
  std::uint64_t data_start_ = 0;
  const char* head_ = nullptr;
  std::uint64_t head_start_ = 0;
  std::uint64_t split_ = 0;
  mutable std::string join_;
  std::uint64_t emitted_ = 0;   ///< bytes before this are in the output
  std::uint64_t end_ = 0;
  std::uint64_t visible_start_ = 0;  ///< start of the trailing visible run

  std::vector<event> events_;
  std::vector<event> triggers_;  ///< reports of rules with a `tail`
  std::vector<probe> probes_;    ///< tails matched across writes
  token_run_finder runs_;
  std::vector<std::uint64_t> run_begins_;
  std::vector<pending_check> checks_;
  std::uint32_t dotted_rule_ = UINT32_MAX;
  std::vector<range> finals_;
  std::vector<open_range> open_;
  std::vector<last_extent> last_;
  entropy_run run_;
  open_block block_;

  std::uint64_t marker_end_ = UINT64_MAX;  ///< end of the last marker
  std::string_view marker_id_;
  std::vector<finding> findings_;
};

} // namespace telclaude::security
