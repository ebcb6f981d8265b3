#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace telclaude::security {

/// What `generate_corpus` produced.
struct corpus_info {
  std::size_t bytes = 0;
  std::size_t planted = 0;  ///< secrets planted (one per ~4 KiB)
};

/// Realistic agent output, deterministic for a seed: prose, code in several
/// languages, shell logs (git, ls, compilers, package managers), JSON and
/// Markdown, with one generated secret of a rotating CORE family planted
/// about every 4 KiB. At least `bytes` long.
std::string generate_corpus(std::size_t bytes, std::uint64_t seed,
                            corpus_info* info = nullptr);

} // namespace telclaude::security
