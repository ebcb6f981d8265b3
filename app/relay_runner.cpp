#include "app/relay_runner.hpp"

#include <csignal>
#include <ctime>
#include <iostream>

#include <spdlog/spdlog.h>

#include "actors/supervisor.hpp"
#include "app/logging.hpp"
#include "config/environment.hpp"
#include "config/loader.hpp"

namespace telclaude::app {

config::settings load_settings(const std::optional<std::string>& config_flag) {
  config::process_environment env;
  return config::load(config::resolve_config_path(config_flag, env), env);
}

int run_relay(const config::settings& settings, bool dry_run, bool verbose) {
  auto level = verbose ? std::string{"debug"} : settings.logging.level;
  configure_logging(level, settings.logging.file);
  auto plan = plan_relay(settings);
  configure_logging(level, settings.logging.file, plan.agent->engine);
  if (dry_run) {
    std::cout << config::describe(settings) << "\n"
              << "sandbox: bwrap works; agent program "
              << plan.agent->command.front() << "\n"
              << "database: " << plan.database_file.string() << "\n"
              << "dry run: configuration is valid; nothing was started\n";
    return 0;
  }
  // Signals are taken synchronously by this thread; blocked before any
  // actor thread starts so every thread inherits the mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  supervisor sup{std::move(plan)};
  sup.start();
  spdlog::info("relay: running; SIGINT or SIGTERM stops it");
  int rc = 0;
  for (;;) {
    timespec tick{0, 200'000'000};
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) {
      spdlog::info("relay: {} received; stopping",
                   sig == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    if (sup.failed()) {
      spdlog::error("relay: polling stopped for good; exiting");
      rc = 1;
      break;
    }
  }
  sup.stop();
  spdlog::info("relay: stopped");
  return rc;
}

} // namespace telclaude::app
