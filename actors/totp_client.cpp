#include "actors/totp_client.hpp"

#include <caf/all.hpp>

namespace telclaude {

namespace {

factor_reply from_error(const access::factor_error& e) {
  factor_reply r;
  r.error_code = e.code.empty() ? "internal" : e.code;
  r.error_message = e.message;
  return r;
}

factor_reply from_code(const access::code_answer& a) {
  if (!a.verdict)
    return from_error(a.error);
  factor_reply r;
  r.verdict = static_cast<std::int32_t>(*a.verdict);
  r.retry_after_s = a.retry_after_s;
  return r;
}

access::factor_error error_of(const factor_reply& r) {
  return {r.error_code, r.error_message};
}

access::code_answer to_code(const factor_reply& r) {
  access::code_answer a;
  if (!r.error_code.empty()) {
    a.error = error_of(r);
    return a;
  }
  if (r.verdict < 0 || r.verdict > 4) {
    a.error = {"protocol", "unknown verdict"};
    return a;
  }
  a.verdict = static_cast<access::code_verdict>(r.verdict);
  a.retry_after_s = r.retry_after_s;
  return a;
}

} // namespace

totp_client_actor::behavior_type
totp_client(totp_client_actor::stateful_pointer<totp_client_state> self,
            std::shared_ptr<access::second_factor> vault) {
  self->state.vault = std::move(vault);
  return {
    [self](atom::tf_status, std::int64_t user) {
      auto a = self->state.vault->status(user);
      if (!a.state)
        return from_error(a.error);
      factor_reply r;
      r.state = static_cast<std::int32_t>(*a.state);
      return r;
    },
    [self](atom::tf_setup, std::int64_t user) {
      auto a = self->state.vault->setup(user);
      if (!a.uri)
        return from_error(a.error);
      factor_reply r;
      r.uri = std::move(*a.uri);
      return r;
    },
    [self](atom::tf_verify, std::int64_t user, std::string& code) {
      return from_code(self->state.vault->verify(user, code));
    },
    [self](atom::tf_disable, std::int64_t user, std::string& code) {
      return from_code(self->state.vault->disable(user, code));
    },
  };
}

actor_factor::actor_factor(caf::actor_system& sys, totp_client_actor client,
                           std::chrono::milliseconds timeout)
  : sys_(sys), client_(std::move(client)), timeout_(timeout) {
}

template <class... Ts>
factor_reply actor_factor::ask(Ts&&... xs) {
  factor_reply out;
  out.error_code = "unavailable";
  out.error_message = "the TOTP client did not answer";
  caf::scoped_actor self{sys_};
  self->request(client_, timeout_, std::forward<Ts>(xs)...)
    .receive([&](factor_reply& r) { out = std::move(r); },
             [&](caf::error& e) {
               out.error_message = "the TOTP client failed: "
                                   + sys_.render(e);
             });
  return out;
}

access::status_answer actor_factor::status(std::int64_t user) {
  auto r = ask(atom::tf_status_v, user);
  if (!r.error_code.empty())
    return {std::nullopt, error_of(r)};
  if (r.state < 0 || r.state > 2)
    return {std::nullopt, {"protocol", "unknown state"}};
  return {static_cast<access::factor_state>(r.state), {}};
}

access::setup_answer actor_factor::setup(std::int64_t user) {
  auto r = ask(atom::tf_setup_v, user);
  if (!r.error_code.empty())
    return {std::nullopt, error_of(r)};
  return {std::move(r.uri), {}};
}

access::code_answer actor_factor::verify(std::int64_t user,
                                         std::string_view code) {
  return to_code(ask(atom::tf_verify_v, user, std::string{code}));
}

access::code_answer actor_factor::disable(std::int64_t user,
                                          std::string_view code) {
  return to_code(ask(atom::tf_disable_v, user, std::string{code}));
}

} // namespace telclaude
