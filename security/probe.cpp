#include "security/probe.hpp"

#include <algorithm>
#include <string_view>

namespace telclaude::security {

probe_result feed_probe(std::span<const probe_step> tail, probe_state& p,
                        const char* data, std::size_t size,
                        std::size_t& used) {
  std::size_t i = 0;
  const auto next_step = [&p] {
    ++p.step;
    p.count = 0;
  };
  const auto done = [&](probe_result r) {
    used = i;
    return r;
  };
  while (p.step < tail.size()) {
    if (i == size) {
      return done(probe_result::more);
    }
    const auto& st = tail[p.step];
    const char c = data[i];
    switch (st.kind) {
    case step_kind::run:
      if (p.count < st.max && st.set.has(c)) {
        // Take the whole run at once.
        std::size_t j = i + 1;
        std::size_t count = p.count + 1u;
        while (j < size && count < st.max && st.set.has(data[j])) {
          ++j;
          ++count;
        }
        i = j;
        p.count = static_cast<std::uint16_t>(count);
        if (count == st.max) {
          next_step();
        }
      } else if (p.count < st.min) {
        return done(probe_result::fail);
      } else {
        next_step();  // greedy: `c` belongs to the next step
      }
      break;
    case step_kind::text:
      if (c != st.text[p.count]) {
        return done(probe_result::fail);
      }
      ++i;
      if (++p.count == st.text.size()) {
        next_step();
      }
      break;
    case step_kind::words: {
      if (p.count == 0) {
        p.alive = (std::uint32_t{1} << st.words.size()) - 1;
      }
      std::uint32_t alive = 0;
      bool complete = false;
      for (std::size_t w = 0; w < st.words.size(); ++w) {
        const auto word = st.words[w];
        if ((p.alive >> w & 1u) != 0 && word[p.count] == c) {
          alive |= std::uint32_t{1} << w;
          complete |= word.size() == p.count + 1u;
        }
      }
      if (alive == 0) {
        return done(probe_result::fail);
      }
      p.alive = alive;
      ++i;
      ++p.count;
      if (complete) {
        next_step();
      }
      break;
    }
    case step_kind::pem_label: {
      constexpr std::string_view key = "PRIVATE KEY";
      constexpr std::string_view block = "PRIVATE KEY BLOCK";
      constexpr std::size_t most = 40 + block.size();
      static_assert(most <= sizeof(probe_state::label));
      if (st.set.has(c)) {
        if (p.count == most) {
          return done(probe_result::fail);
        }
        p.label[p.count++] = c;
        ++i;
        break;
      }
      // The label ends: it must be `[set]{0,40}PRIVATE KEY( BLOCK)?`.
      const std::string_view label(p.label, p.count);
      const bool ok =
        (label.ends_with(key) && label.size() <= 40 + key.size()) ||
        (st.block && label.ends_with(block) &&
         label.size() <= 40 + block.size());
      if (!ok) {
        return done(probe_result::fail);
      }
      next_step();
      break;
    }
    }
  }
  return done(probe_result::match);
}

bool probe_fails_at_first_run(std::span<const probe_step> tail,
                              const char* data, std::size_t size) {
  if (tail.size() < 2 || tail[0].kind != step_kind::run ||
      tail[1].kind != step_kind::text) {
    return false;
  }
  const auto& run = tail[0];
  const std::size_t most = std::min<std::size_t>(run.max, size);
  std::size_t n = 0;
  while (n < most && run.set.has(data[n])) {
    ++n;
  }
  // The run ends before byte n (a byte it cannot take, or `max`); byte n
  // must be the text's first byte.
  if (n == size) {
    return false;  // undecided
  }
  return n < run.min || data[n] != tail[1].text[0];
}

} // namespace telclaude::security
