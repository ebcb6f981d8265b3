// `telclaude redact`: the streaming redactor on its own, for pipelines and
// for benchmarking. Logic lives in security/ (redact_pipe, redaction_bench).
#include <fstream>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "actors/supervisor.hpp"
#include "app/commands.hpp"
#include "app/relay_runner.hpp"
#include "core/error.hpp"
#include "security/redact_pipe.hpp"
#include "security/redaction_bench.hpp"
#include "security/redaction_corpus.hpp"

namespace telclaude::app {

namespace {

struct redact_options {
  std::optional<std::string> file;
  std::optional<std::string> config;
  std::vector<std::string> patterns;
  long long chunk = 64 * 1024;
  bool json = false;
  bool fail_on_find = false;
  bool no_entropy = false;
  bool bench = false;
  int runs = 5;
  long long corpus_mib = 16;
};

/// `--config` if given, plus every `--pattern ID=REGEX`.
security::redaction_settings settings_from(const redact_options& o) {
  security::redaction_settings s;
  if (o.config) {
    s = redaction_settings_from(
      load_settings(o.config).security.secret_filter);
  }
  for (const auto& p : o.patterns) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == p.size()) {
      throw user_error("redact.pattern",
                       "--pattern \"" + p.substr(0, p.find('=')) +
                         "\": expected ID=REGEX");
    }
    s.additional_patterns.push_back({p.substr(0, eq), p.substr(eq + 1)});
  }
  if (o.no_entropy) {
    s.entropy.enabled = false;
  }
  return s;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw user_error("redact.input", "cannot read " + path +
                                       ": no such file or not readable");
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void run_bench(const redact_options& o) {
  security::corpus_info info;
  const std::string corpus =
    o.file ? read_file(*o.file)
           : security::generate_corpus(
               static_cast<std::size_t>(o.corpus_mib) << 20, 1, &info);
  security::bench_options options;
  options.runs = o.runs;
  auto report = security::run_redaction_bench(corpus, settings_from(o),
                                              options);
  report.planted = info.planted;
  std::cout << (o.json ? security::format_bench_json(report)
                       : security::format_bench_table(report))
            << "\n";
}

void run_redact(const redact_options& o) {
  if (o.chunk < 1 || o.chunk > (64LL << 20)) {
    throw user_error("redact.chunk", "--chunk must be between 1 and "
                                     "67108864 bytes");
  }
  const auto engine = security::redaction_engine::compile(settings_from(o));
  std::ifstream file;
  if (o.file) {
    file.open(*o.file, std::ios::binary);
    if (!file) {
      throw user_error("redact.input", "cannot read " + *o.file +
                                         ": no such file or not readable");
    }
  }
  std::istream& in = o.file ? static_cast<std::istream&>(file) : std::cin;
  const auto result = security::redact_pipe(
    *engine, in, std::cout, static_cast<std::size_t>(o.chunk),
    o.json ? &std::cerr : nullptr);
  if (in.bad()) {
    throw user_error("redact.input", "reading " +
                                       o.file.value_or("standard input") +
                                       " failed");
  }
  if (o.fail_on_find && result.findings > 0) {
    throw exit_request{exit_code::failure};
  }
}

} // namespace

void add_redact_command(CLI::App& app) {
  auto o = std::make_shared<redact_options>();
  auto* cmd = app.add_subcommand(
    "redact", "Redact secrets from FILE or stdin to stdout (streaming), or "
              "measure redaction throughput with --bench");
  cmd->add_option("file", o->file, "Input file (default: stdin)");
  cmd->add_option("--config", o->config,
                  "Config file: security.secretFilter adds user patterns "
                  "and entropy settings");
  cmd->add_option("--pattern", o->patterns,
                  "Extra pattern ID=REGEX (Hyperscan syntax); repeatable")
    ->allow_extra_args(false);
  cmd->add_option("--chunk", o->chunk,
                  "Feed the engine N bytes per write (default 65536)");
  cmd->add_flag("--json", o->json,
                "Findings as JSON lines on stderr (with --bench: the "
                "results as JSON on stdout)");
  cmd->add_flag("--fail-on-find", o->fail_on_find,
                "Exit 1 when anything was redacted");
  cmd->add_flag("--no-entropy", o->no_entropy,
                "Turn entropy detection off (CORE and user patterns only)");
  cmd->add_flag("--bench", o->bench,
                "Throughput at 16, 64, 4096-byte and whole-buffer writes vs "
                "std::regex and memchr, on FILE or the generated corpus");
  cmd->add_option("--runs", o->runs, "--bench: best of N runs (default 5)");
  cmd->add_option("--corpus-mib", o->corpus_mib,
                  "--bench: generated corpus size (default 16)");
  cmd->callback([o] { o->bench ? run_bench(*o) : run_redact(*o); });
}

} // namespace telclaude::app
