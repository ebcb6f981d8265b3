// `telclaude totp-daemon`: the process that holds the TOTP secrets. The
// agent can reach neither this process nor its files (docs/totp.md); the
// relay asks it over a Unix socket. Inside, one totp_vault actor owns the
// secrets, so the socket's connection threads never touch them.

#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <caf/all.hpp>
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "app/commands.hpp"
#include "app/logging.hpp"
#include "config/environment.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "totp/client.hpp"
#include "totp/protocol.hpp"
#include "totp/server.hpp"
#include "totp/vault.hpp"
#include "totp/vault_file.hpp"

namespace telclaude::totp {

/// A user's enrollment as the vault actor reports it.
struct vault_status {
  bool enabled = false;
  bool pending = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vault_status& x) {
  return f(caf::meta::type_name("telclaude::totp::vault_status"), x.enabled,
           x.pending);
}

/// The answer to a set-up: the otpauth URI, or already_enabled.
struct vault_setup {
  bool already_enabled = false;
  std::string uri;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vault_setup& x) {
  return f(caf::meta::type_name("telclaude::totp::vault_setup"),
           x.already_enabled, x.uri);
}

/// The answer to a code: check_result in a form CAF can carry
/// (retry_after_s < 0: none).
struct vault_check {
  std::int32_t reason = 0;
  std::int64_t retry_after_s = -1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vault_check& x) {
  return f(caf::meta::type_name("telclaude::totp::vault_check"), x.reason,
           x.retry_after_s);
}

} // namespace telclaude::totp

CAF_ADD_ATOM(telclaude_totp, telclaude::totp::atom, status, "status")
CAF_ADD_ATOM(telclaude_totp, telclaude::totp::atom, setup, "setup")
CAF_ADD_ATOM(telclaude_totp, telclaude::totp::atom, verify, "verify")
CAF_ADD_ATOM(telclaude_totp, telclaude::totp::atom, disable, "disable")

namespace telclaude::totp {

/// The owner of the secrets (detached thread: every change is fsynced).
using totp_vault_actor = caf::typed_actor<
  // Whether a user has 2FA on or a set-up pending.
  caf::replies_to<atom::status, std::int64_t>::with<vault_status>,
  // A new pending secret for (user, account, issuer).
  caf::replies_to<atom::setup, std::int64_t, std::string,
                  std::string>::with<vault_setup>,
  // Checks (user, code); a valid code enables a pending set-up.
  caf::replies_to<atom::verify, std::int64_t, std::string>::with<vault_check>,
  // Checks (user, code); a valid code removes the secret.
  caf::replies_to<atom::disable, std::int64_t,
                  std::string>::with<vault_check>>;

} // namespace telclaude::totp

// After the relay's block (messages/actors.hpp), far enough not to meet it.
CAF_BEGIN_TYPE_ID_BLOCK(telclaude_totp, caf::first_custom_type_id + 200)
  CAF_ADD_TYPE_ID(telclaude_totp, (telclaude::totp::vault_status))
  CAF_ADD_TYPE_ID(telclaude_totp, (telclaude::totp::vault_setup))
  CAF_ADD_TYPE_ID(telclaude_totp, (telclaude::totp::vault_check))
CAF_END_TYPE_ID_BLOCK(telclaude_totp)

namespace telclaude::app {

namespace {

using namespace totp;

struct daemon_config : caf::actor_system_config {
  daemon_config() {
    add_message_types<caf::id_block::telclaude_totp>();
    set("logger.verbosity", caf::atom("quiet"));
  }
};

vault_check to_message(const check_result& r) {
  return {static_cast<std::int32_t>(r.reason), r.retry_after_s.value_or(-1)};
}

check_result from_message(const vault_check& m) {
  check_result r{static_cast<verdict>(m.reason), std::nullopt};
  if (m.retry_after_s >= 0)
    r.retry_after_s = m.retry_after_s;
  return r;
}

/// Runs a vault change. A failed write is the daemon's problem, not the
/// caller's: logged here, answered `internal`, and the vault unchanged.
template <class T, class F>
caf::result<T> writing(F&& change) {
  try {
    return change();
  } catch (const std::exception& e) {
    spdlog::error("totp: {}", e.what());
    return caf::make_error(caf::sec::runtime_error, "vault write failed");
  }
}

totp_vault_actor::behavior_type totp_vault(totp_vault_actor::pointer,
                                           std::shared_ptr<vault> v) {
  return {
    [v](atom::status, std::int64_t user) {
      auto s = v->status(user);
      return vault_status{s.enabled, s.pending};
    },
    [v](atom::setup, std::int64_t user, const std::string& account,
        const std::string& issuer) {
      return writing<vault_setup>([&] {
        auto uri = v->setup(user, account, issuer);
        return vault_setup{!uri, uri.value_or("")};
      });
    },
    [v](atom::verify, std::int64_t user, const std::string& code) {
      return writing<vault_check>(
        [&] { return to_message(v->verify(user, code)); });
    },
    [v](atom::disable, std::int64_t user, const std::string& code) {
      return writing<vault_check>(
        [&] { return to_message(v->disable(user, code)); });
    },
  };
}

/// One request frame → one answer frame, through the vault actor.
std::string handle(caf::actor_system& sys, const totp_vault_actor& vault_actor,
                   std::string_view body) {
  auto parsed = parse_request(body);
  if (auto* e = std::get_if<protocol_error>(&parsed))
    return error_response(*e);
  auto& req = std::get<request>(parsed);
  if (std::holds_alternative<ping_request>(req))
    return ok_response();
  caf::scoped_actor self{sys};
  std::string answer
    = error_response({"internal", "the vault could not answer"});
  auto failed = [&](const caf::error& err) {
    spdlog::warn("totp: vault request failed: {}", sys.render(err));
  };
  auto ask = [&](auto&&... args) {
    return self->request(vault_actor, std::chrono::seconds{10},
                         std::forward<decltype(args)>(args)...);
  };
  auto on_check = [&](const vault_check& c) {
    answer = check_response(from_message(c));
  };
  if (auto* st = std::get_if<status_request>(&req)) {
    ask(atom::status_v, st->user)
      .receive(
        [&](const vault_status& s) {
          answer = status_response({s.enabled, s.pending});
        },
        failed);
  } else if (auto* su = std::get_if<setup_request>(&req)) {
    ask(atom::setup_v, su->user, su->account, su->issuer)
      .receive(
        [&](const vault_setup& s) {
          answer = s.already_enabled
                     ? error_response({"already_enabled",
                                       "2FA is already on for this user; "
                                       "disable it first"})
                     : setup_response(s.uri);
        },
        failed);
  } else if (auto* ve = std::get_if<verify_request>(&req)) {
    ask(atom::verify_v, ve->user, ve->code).receive(on_check, failed);
  } else if (auto* di = std::get_if<disable_request>(&req)) {
    ask(atom::disable_v, di->user, di->code).receive(on_check, failed);
  }
  return answer;
}

int run_daemon(const std::optional<std::string>& socket_flag) {
  configure_logging("info", std::nullopt);
  config::process_environment env;
  auto data_dir = config::resolve_data_dir(env);
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  ::chmod(data_dir.c_str(), 0700);
  auto socket_path = socket_flag ? std::filesystem::path{*socket_flag}
                                 : default_socket_path(env);
  if (auto dir = socket_path.parent_path();
      !dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    ::chmod(dir.c_str(), 0700);
  }
  auto opened = open_vault(data_dir, env.get("TOTP_ENCRYPTION_KEY"));
  spdlog::info("totp: {} enrollment(s) in {}", opened.entries.size(),
               opened.file.string());

  // Signals are taken by this thread only; blocked before any other
  // thread starts so every thread inherits the mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  daemon_config cfg;
  caf::actor_system sys{cfg};
  auto v = std::make_shared<vault>(
    std::move(opened.entries),
    [file = opened.file, key = opened.key](const auto& entries) {
      save_vault(file, key, entries);
    },
    system_clock::instance());
  auto vault_actor = sys.spawn<caf::detached>(totp_vault, v);
  {
    socket_server server{{socket_path},
                         [&sys, &vault_actor](std::string_view body) {
                           return handle(sys, vault_actor, body);
                         }};
    spdlog::info("totp: listening on {}; SIGINT or SIGTERM stops it",
                 socket_path.string());
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    spdlog::info("totp: {} received; stopping",
                 sig == SIGINT ? "SIGINT" : "SIGTERM");
    server.stop();
  }
  caf::anon_send_exit(vault_actor, caf::exit_reason::user_shutdown);
  return 0;
}

} // namespace

void add_totp_daemon_command(CLI::App& app) {
  auto socket = std::make_shared<std::optional<std::string>>();
  auto* cmd = app.add_subcommand(
    "totp-daemon", "Hold the TOTP secrets for two-factor checks, apart from "
                   "the relay (see docs/totp.md)");
  cmd->add_option("--socket-path", *socket,
                  "Unix socket to listen on (default: $TELCLAUDE_TOTP_SOCKET, "
                  "else <data dir>/totp.sock)");
  cmd->callback([socket] {
    auto rc = run_daemon(*socket);
    if (rc != 0)
      throw exit_request{rc};
  });
}

} // namespace telclaude::app
