#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "app/admin_cli.hpp"
#include "app/commands.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "storage/totp_sessions.hpp"
#include "telegram/qr_code.hpp"
#include "totp/client.hpp"

namespace telclaude::app {

namespace {

constexpr int max_tries = 3;

/// The words for a code the daemon did not take.
std::string refusal(const totp::check_result& r) {
  switch (r.reason) {
  case totp::verdict::wrong:
    return "that code is not right";
  case totp::verdict::replayed:
    return "that code was used already; wait for the next one";
  case totp::verdict::locked:
    return "too many wrong codes; try again in "
           + std::to_string(r.retry_after_s.value_or(60)) + " seconds";
  case totp::verdict::not_enrolled:
    return "the set-up is gone (another set-up replaced it?)";
  case totp::verdict::ok:
    break;
  }
  return "refused";
}

void setup_from_terminal(const config::settings& settings, std::int64_t user) {
  const auto& socket = settings.security.totp.socket_path;
  totp::totp_client client{socket};
  // No answer is "unavailable" (exit 3); an answer that refuses is the
  // daemon's own error, named as such.
  auto failed = [&](const totp::client_error& e) -> user_error {
    if (e.code == "unavailable" || e.code == "timeout")
      return user_error("totp.unavailable",
                        "2FA service unavailable at " + socket.string() + " ("
                          + e.code + ": " + e.message
                          + "); start it with `telclaude totp-daemon`");
    return user_error("totp.refused", "the TOTP daemon refused: " + e.code
                                        + ": " + e.message);
  };
  auto uri = client.setup(user, user_key(user));
  if (!uri) {
    if (uri.error.code == "already_enabled")
      throw user_error("totp.already_enabled",
                       user_key(user) + " has 2FA on already; they can send "
                       "/disable-2fa <code> first to set it up again");
    throw failed(uri.error);
  }
  std::cout << "Scan this with the authenticator app of " << user_key(user)
            << ":\n\n"
            << telegram::qr_terminal(telegram::encode_qr(*uri)) << "\n"
            << "Or add the key by hand: " << *uri << "\n\n";
  for (int attempt = 1; attempt <= max_tries; ++attempt) {
    std::cout << "Code from the app (6 digits): " << std::flush;
    std::string code;
    if (!std::getline(std::cin, code)) {
      std::cerr << "telclaude: no code given; the set-up stays pending (a "
                   "later /verify-2fa <code> in Telegram completes it)\n";
      throw exit_request{exit_code::failure};
    }
    code.erase(0, code.find_first_not_of(" \t"));
    code.erase(code.find_last_not_of(" \t\r") + 1);
    if (code.size() != 6
        || code.find_first_not_of("0123456789") != std::string::npos) {
      std::cout << "Not accepted: a code is the six digits the app shows.\n";
      continue;
    }
    auto checked = client.verify(user, code);
    if (!checked)
      throw failed(checked.error);
    if (checked->valid()) {
      admin_store store{settings};
      auto now = to_unix_ms(system_clock::instance().now());
      storage::totp_sessions{store.db()}.set_enrolled(user, now);
      storage::audit_record r;
      r.user_id = user;
      r.event = "2fa";
      r.verdict = "enabled";
      r.reason = "set up from the terminal";
      store.audit(std::move(r));
      std::cout << "2FA is on for " << user_key(user)
                << ": their approvals now need a 2FA session "
                   "(/verify-2fa <code>).\n";
      return;
    }
    std::cout << "Not accepted: " << refusal(*checked) << ".\n";
    if (checked->reason == totp::verdict::locked)
      break;
  }
  std::cerr << "telclaude: 2FA not turned on; run the set-up again\n";
  throw exit_request{exit_code::failure};
}

} // namespace

void add_totp_setup_command(CLI::App& app) {
  struct opts {
    std::optional<std::string> config;
    std::string user;
  };
  auto o = std::make_shared<opts>();
  auto* cmd = app.add_subcommand(
    "totp-setup", "Set up TOTP 2FA for a user from this terminal (QR code "
                  "drawn here; needs `telclaude totp-daemon` running)");
  cmd->add_option("user", o->user, "The user: tg:<Telegram user id>")
    ->required();
  cmd->add_option("--config", o->config, admin_config_help);
  cmd->callback([o] {
    auto user = parse_user(o->user, "totp-setup");
    setup_from_terminal(load_admin_settings(o->config), user);
    throw exit_request{exit_code::ok};
  });
}

} // namespace telclaude::app
