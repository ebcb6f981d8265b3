#include "security/redaction_bench.hpp"

#include "security/redaction_stream.hpp"
#include "security/regex_baseline.hpp"

#include <hs/hs.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>

namespace telclaude::security {

namespace {

/// Best wall time of `runs` calls of `body` (which returns a result count).
template <class F>
std::pair<double, std::size_t> best_of(int runs, F&& body) {
  double best = std::numeric_limits<double>::max();
  std::size_t result = 0;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    result = body();
    const std::chrono::duration<double> took =
      std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  return {best, result};
}

std::size_t step(std::size_t write_size, std::size_t total) {
  return write_size == 0 ? std::max<std::size_t>(total, 1) : write_size;
}

bench_row row(std::string method, std::size_t write_size, std::size_t bytes,
              std::pair<double, std::size_t> timed) {
  return {std::move(method), write_size, bytes, timed.first,
          static_cast<double>(bytes) / timed.first / 1e9, timed.second};
}

std::string size_name(std::size_t write_size) {
  return write_size == 0 ? "whole" : std::to_string(write_size);
}

const bench_row* find_row(const bench_report& r, std::string_view method,
                          std::size_t write_size) {
  for (const auto& row : r.rows) {
    if (row.method == method && row.write_size == write_size) {
      return &row;
    }
  }
  return nullptr;
}

int count_match(unsigned, unsigned long long, unsigned long long, unsigned,
                void* count) {
  ++*static_cast<std::size_t*>(count);
  return 0;
}

/// The engine's Hyperscan database alone over the same writes: no
/// hold-back, no ranges, no token runs or entropy — the floor of our cost.
std::size_t hyperscan_only(const redaction_engine& engine,
                           std::string_view corpus, std::size_t n) {
  hs_scratch_t* scratch = nullptr;
  hs_stream_t* stream = nullptr;
  if (hs_alloc_scratch(engine.database(), &scratch) != HS_SUCCESS ||
      hs_open_stream(engine.database(), 0, &stream) != HS_SUCCESS) {
    throw std::bad_alloc();
  }
  std::size_t matches = 0;
  for (std::size_t i = 0; i < corpus.size(); i += n) {
    hs_scan_stream(stream, corpus.data() + i,
                   static_cast<unsigned>(std::min(n, corpus.size() - i)), 0,
                   scratch, count_match, &matches);
  }
  hs_close_stream(stream, scratch, count_match, &matches);
  hs_free_scratch(scratch);
  return matches;
}

/// The consumer of the bench's output: reads every byte it is handed
/// (16 bytes per step, in registers) into a checksum of the sequence of
/// pieces, so the output cannot be optimised away and two runs can be
/// compared.
class output_sink {
public:
  void take(std::string_view piece) {
    using lanes = std::uint64_t __attribute__((vector_size(16)));
    lanes sum0{};
    lanes sum1{};
    lanes mix0{};
    lanes mix1{};
    const char* p = piece.data();
    std::size_t n = piece.size();
    for (; n >= 32; p += 32, n -= 32) {
      lanes a;
      lanes b;
      std::memcpy(&a, p, sizeof a);
      std::memcpy(&b, p + 16, sizeof b);
      sum0 += a;
      sum1 += b;
      mix0 ^= a;
      mix1 ^= b;
    }
    for (; n > 0; p += 16, n -= std::min<std::size_t>(n, 16)) {
      lanes a{};
      std::memcpy(&a, p, std::min<std::size_t>(n, 16));
      sum0 += a;
      mix1 ^= a;
    }
    const lanes sum = sum0 + (sum1 << 1);
    const lanes mix = mix0 ^ (mix1 * 3);
    std::uint64_t h = piece.size();
    for (int i = 0; i < 2; ++i) {
      h = (h ^ sum[i]) * 0x9e3779b97f4a7c15u;
      h = (h ^ (h >> 29)) + mix[i];
    }
    sum_ = (sum_ ^ h) * 0x100000001b3u;
    bytes_ += piece.size();
  }
  std::uint64_t checksum() const {
    return sum_ ^ bytes_;
  }

private:
  std::uint64_t sum_ = 0;
  std::uint64_t bytes_ = 0;
};

/// Where each write's output goes (`bench_consumer`): `out` is the buffer
/// a method appends a write's output to; `done(position)` after each write
/// (`position`: input bytes written so far) hands it on when it is due.
struct consumer {
  bench_consumer kind = bench_consumer::pipe;
  /// `pipe`: input bytes per hand-on (redact_pipe's read buffer).
  std::size_t block = 0;
  std::string out;
  output_sink sink;
  std::size_t due = 0;

  void start(std::size_t write_size) {
    out.clear();
    sink = {};
    block = std::max<std::size_t>(write_size, pipe_read);
    due = kind == bench_consumer::write ? 0 : block;
  }
  void done(std::size_t position) {
    if (kind != bench_consumer::accumulate && position >= due) {
      sink.take(out);
      out.clear();
      due = kind == bench_consumer::write ? 0 : position + block;
    }
  }
  /// After the last write: what is left goes to the sink.
  std::uint64_t finish() {
    if (!out.empty() || kind == bench_consumer::accumulate) {
      sink.take(out);
      out.clear();
    }
    return sink.checksum();
  }
};

} // namespace

bench_report run_redaction_bench(std::string_view corpus,
                                 const redaction_settings& settings,
                                 const bench_options& options) {
  bench_report report;
  report.corpus_bytes = corpus.size();
  const auto engine = redaction_engine::compile(settings);
  const regex_baseline baseline;
  const auto regex_input = corpus.substr(
    0, std::min(corpus.size(), options.regex_bytes));
  const std::string one_shot = engine->redact(corpus);
  consumer c;
  c.kind = options.consumer;
  if (c.kind == bench_consumer::accumulate) {
    c.out.reserve(corpus.size() + corpus.size() / 8);
  }
  for (const auto ws : options.write_sizes) {
    redaction_stream stream(engine);
    const auto n = step(ws, corpus.size());
    // The whole stream, each write's output handed to the consumer (and,
    // with `joined`, collected).
    const auto redact_all = [&](std::string* joined) {
      c.start(n);
      stream.reset();
      std::size_t kept = 0;  // of `c.out`, already in `joined`
      for (std::size_t i = 0; i < corpus.size(); i += n) {
        stream.write(corpus.substr(i, n), c.out);
        if (joined != nullptr) {
          joined->append(c.out, kept);
          kept = c.out.size();
        }
        c.done(std::min(i + n, corpus.size()));
        kept = c.out.empty() ? 0 : kept;
      }
      stream.finish(c.out);
      if (joined != nullptr) {
        joined->append(c.out, kept);
      }
      return c.finish();
    };
    // Untimed: the pieces this consumer is handed, joined, are exactly the
    // one-shot output; every timed run must hand over the same pieces.
    std::string joined;
    const std::uint64_t expected = redact_all(&joined);
    if (joined != one_shot) {
      throw std::runtime_error("redact bench: output at " + size_name(ws) +
                               "-byte writes differs from one-shot "
                               "redaction");
    }
    report.rows.push_back(
      row("telclaude", ws, corpus.size(), best_of(options.runs, [&] {
            if (redact_all(nullptr) != expected) {
              throw std::runtime_error("redact bench: output changed "
                                       "between runs");
            }
            return stream.findings().size();
          })));
    report.rows.push_back(
      row("hyperscan", ws, corpus.size(), best_of(options.runs, [&] {
            return hyperscan_only(*engine, corpus, n);
          })));
    const auto rn = step(ws, regex_input.size());
    report.rows.push_back(
      row("std::regex", ws, regex_input.size(),
          best_of(std::max(1, options.runs / 2), [&] {
            c.start(rn);
            std::size_t found = 0;
            for (std::size_t i = 0; i < regex_input.size(); i += rn) {
              found += baseline.redact(regex_input.substr(i, rn), c.out);
              c.done(std::min(i + rn, regex_input.size()));
            }
            c.finish();
            return found;
          })));
    // memchr finds nothing: the write goes to the output as it is, the
    // same way (the floor of any redactor with this consumer).
    report.rows.push_back(
      row("memchr", ws, corpus.size(), best_of(options.runs, [&] {
            c.start(n);
            std::size_t hits = 0;
            for (std::size_t i = 0; i < corpus.size(); i += n) {
              const auto piece = corpus.substr(i, n);
              hits += std::memchr(piece.data(), '\x01', piece.size()) !=
                      nullptr;
              c.out.append(piece);
              c.done(i + piece.size());
            }
            if (c.finish() == 0) {
              ++hits;  // keeps the checksum live
            }
            return hits;
          })));
  }
  report.targets = check_targets(report);
  return report;
}

std::vector<bench_target> check_targets(const bench_report& report) {
  std::vector<bench_target> targets;
  const auto* t4k = find_row(report, "telclaude", 4096);
  const auto* t64 = find_row(report, "telclaude", 64);
  const auto* r4k = find_row(report, "std::regex", 4096);
  if (t4k != nullptr) {
    targets.push_back({"telclaude GB/s at 4096-byte writes", 1.5,
                       t4k->gb_per_s, t4k->gb_per_s >= 1.5});
  }
  if (t64 != nullptr) {
    targets.push_back({"telclaude GB/s at 64-byte writes", 0.5, t64->gb_per_s,
                       t64->gb_per_s >= 0.5});
  }
  if (t4k != nullptr && r4k != nullptr) {
    const double ratio = t4k->gb_per_s / r4k->gb_per_s;
    targets.push_back({"telclaude / std::regex at 4096-byte writes", 100.0,
                       ratio, ratio >= 100.0});
  }
  return targets;
}

std::string format_bench_table(const bench_report& report) {
  std::string s;
  char line[160];
  std::snprintf(line, sizeof line, "corpus: %zu bytes%s\n",
                report.corpus_bytes,
                report.planted > 0
                  ? (", " + std::to_string(report.planted) +
                     " planted secrets").c_str()
                  : "");
  s += line;
  std::snprintf(line, sizeof line, "%-8s %14s %14s %14s %14s %10s\n",
                "write", "telclaude", "hyperscan", "std::regex", "memchr",
                "vs regex");
  s += line;
  std::vector<std::size_t> sizes;
  for (const auto& r : report.rows) {
    if (r.method == "telclaude") {
      sizes.push_back(r.write_size);
    }
  }
  for (const auto ws : sizes) {
    const auto* t = find_row(report, "telclaude", ws);
    const auto* x = find_row(report, "std::regex", ws);
    const auto* m = find_row(report, "memchr", ws);
    const auto* h = find_row(report, "hyperscan", ws);
    std::snprintf(line, sizeof line,
                  "%-8s %9.3f GB/s %9.3f GB/s %9.4f GB/s %9.2f GB/s %9.0fx\n",
                  size_name(ws).c_str(), t->gb_per_s, h->gb_per_s,
                  x->gb_per_s, m->gb_per_s, t->gb_per_s / x->gb_per_s);
    s += line;
  }
  for (const auto& t : report.targets) {
    std::snprintf(line, sizeof line, "target %-44s >= %6.1f: %9.2f %s\n",
                  t.name.c_str(), t.required, t.measured,
                  t.met ? "met" : "MISSED");
    s += line;
  }
  return s;
}

std::string format_bench_json(const bench_report& report) {
  nlohmann::json j;
  j["corpus_bytes"] = report.corpus_bytes;
  j["planted"] = report.planted;
  j["rows"] = nlohmann::json::array();
  for (const auto& r : report.rows) {
    j["rows"].push_back({{"method", r.method},
                         {"write_size", size_name(r.write_size)},
                         {"bytes", r.bytes},
                         {"best_seconds", r.best_seconds},
                         {"gb_per_s", r.gb_per_s},
                         {"findings", r.findings}});
  }
  j["targets"] = nlohmann::json::array();
  for (const auto& t : report.targets) {
    j["targets"].push_back({{"name", t.name},
                            {"required", t.required},
                            {"measured", t.measured},
                            {"met", t.met}});
  }
  return j.dump(2);
}

} // namespace telclaude::security
