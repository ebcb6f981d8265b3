#pragma once

#include <memory>

#include "messages/actors.hpp"
#include "security/redaction_engine.hpp"
#include "security/redaction_stream.hpp"

namespace telclaude {

struct redactor_state {
  static inline const char* name = "redactor";
  std::shared_ptr<const security::redaction_engine> engine;
  std::unique_ptr<security::redaction_stream> stream;
  outbox_actor outbox;
  reply_target target;
  std::uint64_t findings_reported = 0;
};

/// The redaction state of one agent output stream: every byte of agent
/// output passes here before the outbox sees it. Releases text as soon as
/// it is provably safe; holds back the rest until the stream ends. Tool
/// progress lines are redacted one at a time, whole, and go to the outbox
/// as `reply_progress` (they never join the reply's text).
redactor_actor::behavior_type
redactor(redactor_actor::stateful_pointer<redactor_state> self,
         std::shared_ptr<const security::redaction_engine> engine,
         outbox_actor outbox, reply_target target);

} // namespace telclaude
