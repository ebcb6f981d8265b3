#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "app/admin_cli.hpp"
#include "app/commands.hpp"
#include "core/error.hpp"
#include "storage/admin.hpp"
#include "storage/identity_links.hpp"
#include "storage/reset_auth.hpp"

namespace telclaude::app {

namespace {

/// Whether the next line of stdin is RESET (surrounding blanks ignored).
bool confirmed() {
  std::string line;
  if (!std::getline(std::cin, line)) {
    std::cout << "\n";  // end the prompt's line
    return false;
  }
  auto first = line.find_first_not_of(" \t\r");
  auto last = line.find_last_not_of(" \t\r");
  return first != std::string::npos
      && line.substr(first, last - first + 1) == "RESET";
}

std::string counted(std::size_t n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

void reset(const config::settings& settings, bool force) {
  if (!std::filesystem::exists(database_file(settings.data_dir))) {
    std::cout << "No relay data in " << settings.data_dir.string()
              << ": nothing to reset.\n";
    return;
  }
  admin_store store{settings};
  if (!force) {
    auto links = storage::identity_links{store.db()}.count();
    auto admin = storage::admin{store.db()}.get();
    std::cout << "This removes every identity link (" << links
              << "), the admin ("
              << (admin ? user_key(admin->user_id) : std::string{"none"})
              << "), every link or claim code and every pending approval.\n"
              << "Type RESET to confirm: " << std::flush;
    if (!confirmed()) {
      std::cerr << "telclaude: reset-auth not confirmed (expected RESET); "
                   "nothing was changed.\n";
      throw exit_request{exit_code::failure};
    }
  }
  auto counts = storage::reset_auth(store.db());
  auto summary = counted(counts.links, "link") + ", "
               + counted(counts.admins, "admin") + ", "
               + counted(counts.codes, "code") + ", "
               + counted(counts.approvals, "approval");
  storage::audit_record r;
  r.event = "admin";
  r.verdict = "reset_auth";
  r.reason = "CLI removed " + summary;
  store.audit(std::move(r));
  std::cout << "Removed " << summary << ".\n";
}

} // namespace

void add_reset_auth_command(CLI::App& app) {
  struct opts {
    std::optional<std::string> config;
    bool force = false;
  };
  auto o = std::make_shared<opts>();
  auto* cmd = app.add_subcommand(
    "reset-auth", "Remove every identity link, the admin, every auth code "
                  "and approval (asks you to type RESET)");
  cmd->add_flag("--force", o->force, "Do not ask for confirmation");
  cmd->add_option("--config", o->config, admin_config_help);
  cmd->callback([o] { reset(load_admin_settings(o->config), o->force); });
}

} // namespace telclaude::app
