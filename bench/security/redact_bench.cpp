// Redaction throughput: telclaude vs std::regex vs memchr on the generated
// corpus (or a file), side by side; exits 1 when a target is missed.
#include "security/redaction_bench.hpp"
#include "security/redaction_corpus.hpp"

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

int main(int argc, char** argv) {
  using namespace telclaude::security;
  CLI::App app{"telclaude redaction throughput benchmark"};
  std::string file;
  std::size_t mib = 16;
  std::uint64_t seed = 1;
  bench_options options;
  bool json = false;
  bool no_entropy = false;
  std::string consumer = "pipe";
  std::vector<std::size_t> writes;
  app.add_option("file", file, "input to measure instead of the corpus");
  app.add_option("--corpus-mib", mib, "generated corpus size in MiB");
  app.add_option("--seed", seed, "corpus seed");
  app.add_option("--runs", options.runs, "best of N runs");
  app.add_flag("--json", json, "JSON instead of a table");
  app.add_flag("--no-entropy", no_entropy, "CORE patterns only");
  app.add_option("--consumer", consumer,
                 "what takes the output: pipe (as telclaude redact: one "
                 "buffer per 64 KiB read, handed on and cleared), write "
                 "(each write's output handed on) or accumulate (all "
                 "output in one corpus-sized string, the old bench)")
    ->check(CLI::IsMember({"pipe", "write", "accumulate"}));
  app.add_option("--write", writes,
                 "write sizes to measure (0: whole buffer; default 16 64 "
                 "4096 0)");
  CLI11_PARSE(app, argc, argv);

  std::string corpus;
  corpus_info info;
  if (file.empty()) {
    corpus = generate_corpus(mib << 20, seed, &info);
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "redact_bench: cannot read " << file << "\n";
      return 2;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    corpus = ss.str();
  }
  if (!writes.empty()) {
    options.write_sizes = writes;
  }
  options.consumer = consumer == "write"        ? bench_consumer::write
                     : consumer == "accumulate" ? bench_consumer::accumulate
                                                : bench_consumer::pipe;
  redaction_settings settings;
  settings.entropy.enabled = !no_entropy;
  auto report = run_redaction_bench(corpus, settings, options);
  report.planted = info.planted;
  std::cout << (json ? format_bench_json(report) : format_bench_table(report))
            << "\n";
  for (const auto& t : report.targets) {
    if (!t.met) {
      return 1;
    }
  }
  return 0;
}
