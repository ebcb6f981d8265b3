#include <algorithm>
#include <charconv>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app/admin_cli.hpp"
#include "app/commands.hpp"
#include "config/environment.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "security/auth_code.hpp"
#include "storage/admin.hpp"
#include "storage/auth_codes.hpp"
#include "storage/identity_links.hpp"

namespace telclaude::app {

namespace {

constexpr std::chrono::minutes link_code_ttl{10};

/// The user id of `tg:<id>` (a positive integer without sign or leading
/// zero, as in `security.permissions.users`); `where` starts the message
/// of the link.bad_user error thrown otherwise.

void issue_code(const config::settings& settings, std::int64_t user) {
  admin_store store{settings};
  storage::auth_codes codes{store.db()};
  auto now = system_clock::instance().now();
  auto expires = now + link_code_ttl;
  // Codes are drawn from 31^10; a collision with a live code is a
  // theoretical case, but issue() refuses it, so draw again.
  std::string code;
  for (int attempt = 0; code.empty(); ++attempt) {
    if (attempt == 5)
      throw std::runtime_error("could not store a fresh link code: each "
                               "one drawn exists already");
    auto drawn = security::generate_code(security::code_kind::link);
    // Drawn codes are upper case already; storage keeps only the digest.
    if (codes.issue({security::code_digest(drawn), storage::auth_purpose::link,
                     user, to_unix_ms(now), to_unix_ms(expires)}))
      code = std::move(drawn);
  }
  storage::audit_record r;
  r.user_id = user;
  r.event = "link";
  r.verdict = "code_issued";
  r.reason = "code issued by the CLI, valid until "
           + iso_utc(to_unix_ms(expires));
  store.audit(std::move(r));
  std::cout << "Link code for " << user_key(user) << ": " << code << "\n"
            << "The user sends  /link " << code
            << "  in an allowed chat within 10 minutes (until "
            << iso_utc(to_unix_ms(expires))
            << "). It works once, and only for " << user_key(user) << ".\n";
}

void remove_link(const config::settings& settings, std::int64_t user) {
  admin_store store{settings};
  storage::identity_links links{store.db()};
  auto link = links.get(user);
  bool is_admin = [&] {
    auto a = storage::admin{store.db()}.get();
    return a && a->user_id == user;
  }();
  auto admin_note = is_admin ? user_key(user)
                                 + " is still the admin: `telclaude "
                                   "reset-auth` clears the admin.\n"
                             : std::string{};
  if (!link || !links.remove(user)) {
    std::cerr << "telclaude: " << user_key(user)
              << " has no identity link; nothing was removed.\n"
              << admin_note;
    throw exit_request{exit_code::failure};
  }
  storage::audit_record r;
  r.user_id = user;
  r.tier = link->tier;
  r.event = "link";
  r.verdict = "removed";
  r.reason = "removed by the CLI (linked " + iso_utc(link->linked_at_ms)
           + " by " + link->linked_by + ")";
  store.audit(std::move(r));
  std::cout << "Removed the link of " << user_key(user) << " (" << link->tier
            << ").\n"
            << admin_note;
}

void list_links(bool json) {
  config::process_environment env;
  auto data_dir = config::resolve_data_dir(env);
  auto file = database_file(data_dir);
  std::vector<storage::identity_link> links;
  std::optional<storage::admin_record> admin;
  if (std::filesystem::exists(file)) {
    auto db = storage::database::open_read_only(file);
    links = storage::identity_links{db}.list();
    admin = storage::admin{db}.get();
  }
  bool admin_linked = admin && std::any_of(links.begin(), links.end(),
                                           [&](const auto& l) {
                                             return l.user_id
                                                 == admin->user_id;
                                           });
  if (json) {
    nlohmann::json j;
    j["links"] = nlohmann::json::array();
    for (const auto& l : links)
      j["links"].push_back(
        {{"user", user_key(l.user_id)},
         {"user_id", l.user_id},
         {"tier", l.tier},
         {"linked_at", iso_utc(l.linked_at_ms)},
         {"linked_at_ms", l.linked_at_ms},
         {"linked_by", l.linked_by},
         {"admin", admin && admin->user_id == l.user_id}});
    j["admin"] = admin ? nlohmann::json{{"user", user_key(admin->user_id)},
                                        {"user_id", admin->user_id},
                                        {"claimed_at",
                                         iso_utc(admin->claimed_at_ms)},
                                        {"claimed_at_ms",
                                         admin->claimed_at_ms}}
                       : nlohmann::json(nullptr);
    std::cout << j.dump() << "\n";
    return;
  }
  if (links.empty() && !admin) {
    std::cout << "No identity links and no admin in " << data_dir.string()
              << ".\n";
    return;
  }
  std::vector<std::vector<std::string>> rows{
    {"user", "tier", "linked at", "linked by", ""}};
  for (const auto& l : links)
    rows.push_back({user_key(l.user_id), l.tier, iso_utc(l.linked_at_ms),
                    l.linked_by,
                    admin && admin->user_id == l.user_id ? "(admin)" : ""});
  if (admin && !admin_linked)
    rows.push_back({user_key(admin->user_id), "-", "-", "-",
                    "(admin, claimed " + iso_utc(admin->claimed_at_ms)
                      + ")"});
  print_table(std::cout, rows);
}

} // namespace

void add_link_command(CLI::App& app) {
  struct opts {
    std::optional<std::string> config;
    std::string user;
    std::string remove;
    bool list = false;
    bool json = false;
  };
  auto o = std::make_shared<opts>();
  auto* cmd = app.add_subcommand(
    "link", "Issue a one-time code that links a Telegram user (valid 10 "
            "minutes); list or remove links");
  auto* user = cmd->add_option("user", o->user,
                               "tg:<Telegram user id> to issue a link code "
                               "for")
                 ->type_name("tg:<id>");
  auto* list = cmd->add_flag("--list", o->list,
                             "List identity links and the admin");
  auto* remove = cmd->add_option("--remove", o->remove,
                                 "Remove the link of tg:<Telegram user id>")
                   ->type_name("tg:<id>");
  cmd->add_flag("--json", o->json, "With --list: one JSON object")
    ->needs(list);
  cmd->add_option("--config", o->config, admin_config_help);
  user->excludes(list)->excludes(remove);
  list->excludes(remove);
  cmd->callback([o, user, list, remove] {
    if (*list)
      return list_links(o->json);
    if (user->count() == 0 && remove->count() == 0)
      throw CLI::ValidationError(
        "link: give tg:<user id>, --list or --remove tg:<user id>");
    auto id = *remove ? parse_user(o->remove, "--remove")
                      : parse_user(o->user, "link");
    auto settings = load_admin_settings(o->config);
    if (*remove)
      remove_link(settings, id);
    else
      issue_code(settings, id);
  });
}

} // namespace telclaude::app
