#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"telclaude: talk to Claude Code from Telegram, safely"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  using namespace telclaude::app;
  add_relay_command(app);
  add_demo_command(app);
  add_status_command(app);
  add_redact_command(app);
  add_doctor_command(app);
  add_link_command(app);
  add_reset_auth_command(app);
  add_audit_command(app);
  add_totp_daemon_command(app);
  add_totp_setup_command(app);
  add_version_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    auto rc = app.exit(e);
    return rc == 0 ? 0 : telclaude::exit_code::usage;
  } catch (const telclaude::user_error& e) {
    std::cerr << "telclaude: " << e.what() << " [" << e.code() << "]\n";
    return e.code().starts_with("sandbox.") || e.code() == "agent.not_found"
               || e.code() == "totp.unavailable"
             ? telclaude::exit_code::unavailable
             : telclaude::exit_code::usage;
  } catch (const telclaude::exit_request& e) {
    return e.code;
  } catch (const std::exception& e) {
    std::cerr << "telclaude: " << e.what() << '\n';
    return telclaude::exit_code::failure;
  }
  return 0;
}
