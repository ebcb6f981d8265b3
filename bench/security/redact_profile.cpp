// One method at one write size over the generated corpus, for profilers
// (callgrind counts instructions repeatably on a busy machine):
//   redact_profile [--write N] [--corpus-mib N] [--method telclaude|hyperscan]
//                  [--runs N] [--no-entropy] [--isa portable|avx2|avx512]
// (callgrind has no AVX-512: under it the run finder takes the AVX2 path).
#include "security/redaction_corpus.hpp"
#include "security/redaction_stream.hpp"
#include "security/token_runs.hpp"

#include <hs/hs.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  using namespace telclaude::security;
  std::size_t write = 4096;
  std::size_t mib = 4;
  int runs = 1;
  std::string method = "telclaude";
  bool entropy = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&] { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--write") {
      write = std::strtoull(next(), nullptr, 10);
    } else if (a == "--corpus-mib") {
      mib = std::strtoull(next(), nullptr, 10);
    } else if (a == "--runs") {
      runs = std::atoi(next());
    } else if (a == "--method") {
      method = next();
    } else if (a == "--no-entropy") {
      entropy = false;
    } else if (a == "--isa") {
      const std::string isa = next();
      set_run_finder_isa(isa == "portable" ? run_finder_isa::portable
                         : isa == "avx2"   ? run_finder_isa::avx2
                                           : run_finder_isa::avx512);
    } else {
      std::fprintf(stderr, "redact_profile: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  const std::string corpus = generate_corpus(mib << 20, 1, nullptr);
  redaction_settings settings;
  settings.entropy.enabled = entropy;
  const auto engine = redaction_engine::compile(settings);
  const std::size_t n = write == 0 ? corpus.size() : write;
  std::string out;
  out.reserve(corpus.size() + corpus.size() / 8);
  double best = 1e9;
  std::size_t result = 0;
  redaction_stream stream(engine);
  hs_scratch_t* scratch = nullptr;
  hs_alloc_scratch(engine->database(), &scratch);
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    if (method == "telclaude") {
      out.clear();
      stream.reset();
      for (std::size_t i = 0; i < corpus.size(); i += n) {
        stream.write(std::string_view(corpus).substr(i, n), out);
      }
      stream.finish(out);
      result = stream.findings().size();
    } else {
      hs_stream_t* s = nullptr;
      hs_open_stream(engine->database(), 0, &s);
      std::size_t matches = 0;
      const auto cb = [](unsigned, unsigned long long, unsigned long long,
                         unsigned, void* c) {
        ++*static_cast<std::size_t*>(c);
        return 0;
      };
      for (std::size_t i = 0; i < corpus.size(); i += n) {
        hs_scan_stream(s, corpus.data() + i,
                       static_cast<unsigned>(std::min(n, corpus.size() - i)),
                       0, scratch, cb, &matches);
      }
      hs_close_stream(s, scratch, cb, &matches);
      result = matches;
    }
    const std::chrono::duration<double> took =
      std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  hs_free_scratch(scratch);
  std::printf("%s write=%zu: %.3f GB/s, %zu results\n", method.c_str(), write,
              static_cast<double>(corpus.size()) / best / 1e9, result);
  return 0;
}
