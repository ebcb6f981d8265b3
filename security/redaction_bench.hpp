#pragma once

#include "security/redaction_engine.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::security {

/// How `run_redaction_bench` measures.
struct bench_options {
  /// Write sizes; 0 means the whole buffer in one write.
  std::vector<std::size_t> write_sizes{16, 64, 4096, 0};
  int runs = 5;                        ///< best of this many
  /// `std::regex` is ~1000x slower: it runs on this prefix of the corpus.
  std::size_t regex_bytes = 256 * 1024;
};

/// One measurement: `bytes` of input through `method` at `write_size`.
struct bench_row {
  /// "telclaude", "hyperscan" (its database alone), "std::regex", "memchr"
  std::string method;
  std::size_t write_size;   ///< 0: whole buffer
  std::size_t bytes;
  double best_seconds;
  double gb_per_s;          ///< bytes / best wall time / 1e9
  std::size_t findings;
};

/// A throughput target the bench checks.
struct bench_target {
  std::string name;
  double required;
  double measured;
  bool met;
};

struct bench_report {
  std::size_t corpus_bytes = 0;
  std::size_t planted = 0;   ///< 0 when the corpus is the user's file
  std::vector<bench_row> rows;
  std::vector<bench_target> targets;
};

/// Runs telclaude (CORE + user patterns + entropy per `settings`), its
/// Hyperscan database alone, the `std::regex` baseline and `memchr` over
/// `corpus`, side by side, at every write size; GB/s = input bytes / best
/// wall time of `runs`.
bench_report run_redaction_bench(std::string_view corpus,
                                 const redaction_settings& settings,
                                 const bench_options& options);

/// The project's targets (docs/redaction.md), checked against `report`.
std::vector<bench_target> check_targets(const bench_report& report);

/// A table for people.
std::string format_bench_table(const bench_report& report);

/// The same as JSON, for scripts.
std::string format_bench_json(const bench_report& report);

} // namespace telclaude::security
