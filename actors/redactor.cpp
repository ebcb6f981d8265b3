#include "actors/redactor.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "security/redaction_engine.hpp"
#include "security/redaction_stream.hpp"

namespace telclaude {

namespace {

using self_ptr = redactor_actor::stateful_pointer<redactor_state>;

void forward(self_ptr self, std::string& out) {
  auto& st = self->state;
  const auto& found = st.stream->findings();
  for (; st.findings_reported < found.size(); ++st.findings_reported) {
    const auto& f = found[st.findings_reported];
    spdlog::warn("redactor: chat {} turn {}: redacted {} at bytes {}-{}",
                 st.target.chat_id, st.target.turn, f.pattern_id, f.begin,
                 f.end);
  }
  if (!out.empty())
    self->send(st.outbox, atom::reply_text_v, st.target, std::move(out));
}

} // namespace

redactor_actor::behavior_type
redactor(self_ptr self,
         std::shared_ptr<const security::redaction_engine> engine,
         outbox_actor outbox, reply_target target) {
  auto& st = self->state;
  st.engine = engine;
  st.stream = std::make_unique<security::redaction_stream>(std::move(engine));
  st.outbox = std::move(outbox);
  st.target = target;
  return {
    [self](atom::output, std::string& chunk) {
      std::string out;
      self->state.stream->write(chunk, out);
      forward(self, out);
    },
    [self](atom::progress, std::string& line) {
      auto& s = self->state;
      if (line.empty())
        return;
      auto safe = s.engine->redact(line);
      if (safe != line)
        spdlog::warn("redactor: chat {} turn {}: redacted a tool progress "
                     "line",
                     s.target.chat_id, s.target.turn);
      self->send(s.outbox, atom::reply_progress_v, s.target, std::move(safe));
    },
    [self](atom::output_end, bool discard) {
      auto& s = self->state;
      std::string out;
      s.stream->finish(out);
      if (!discard)
        forward(self, out);
      self->send(s.outbox, atom::reply_end_v, s.target, discard);
      self->quit();
    },
  };
}

} // namespace telclaude
