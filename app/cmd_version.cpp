#include <iostream>

#include <CLI/CLI.hpp>
#include <hs/hs.h>
#include <sqlite3.h>

#include "app/commands.hpp"

namespace telclaude::app {

void add_version_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("version", "Print the version and the "
                                            "versions of the libraries in use");
  cmd->callback([] {
    std::cout << "telclaude " << TELCLAUDE_VERSION << "\n"
              << "  CAF 0.17.6, Hyperscan " << hs_version() << "\n"
              << "  SQLite " << sqlite3_libversion() << "\n";
  });
}

} // namespace telclaude::app
