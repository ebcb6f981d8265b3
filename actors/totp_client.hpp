#pragma once

#include <chrono>
#include <memory>

#include "access/second_factor.hpp"
#include "messages/actors.hpp"

namespace caf {
class actor_system;
} // namespace caf

namespace telclaude {

struct totp_client_state {
  static inline const char* name = "totp_client";
  std::shared_ptr<access::second_factor> vault;
};

/// The relay's client of the TOTP daemon: answers each question with what
/// `vault` (access::totp_factor over the socket) said, or the reason it
/// could not ("unavailable", "timeout"). Spawn detached: it blocks on the
/// socket, for at most the client's timeout.
totp_client_actor::behavior_type
totp_client(totp_client_actor::stateful_pointer<totp_client_state> self,
            std::shared_ptr<access::second_factor> vault);

/// second_factor for the gatekeeper, by request to a totp_client actor:
/// each call waits for the answer at most `timeout`, and a missing answer
/// is "unavailable" (fail closed). Blocks the calling thread: only for
/// detached actors such as the gatekeeper.
class actor_factor final : public access::second_factor {
public:
  actor_factor(caf::actor_system& sys, totp_client_actor client,
               std::chrono::milliseconds timeout = std::chrono::seconds{5});

  access::status_answer status(std::int64_t user) override;
  access::setup_answer setup(std::int64_t user) override;
  access::code_answer verify(std::int64_t user,
                             std::string_view code) override;
  access::code_answer disable(std::int64_t user,
                              std::string_view code) override;

private:
  template <class... Ts>
  factor_reply ask(Ts&&... xs);

  caf::actor_system& sys_;
  totp_client_actor client_;
  std::chrono::milliseconds timeout_;
};

} // namespace telclaude
