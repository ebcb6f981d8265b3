#pragma once

namespace CLI {
class App;
}

namespace telclaude::app {

/// Each subcommand lives in its own `app/cmd_<name>.cpp` and registers
/// itself on the root CLI11 app; main() only calls these in order.
void add_relay_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_status_command(CLI::App& app);
void add_version_command(CLI::App& app);
void add_redact_command(CLI::App& app);
void add_doctor_command(CLI::App& app);
void add_link_command(CLI::App& app);
void add_reset_auth_command(CLI::App& app);
void add_audit_command(CLI::App& app);
void add_totp_daemon_command(CLI::App& app);
void add_totp_setup_command(CLI::App& app);

} // namespace telclaude::app
