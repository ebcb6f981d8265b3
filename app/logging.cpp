#include "app/logging.hpp"

#include <mutex>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "security/redaction_engine.hpp"

namespace telclaude::app {

namespace {

/// Redacts each message, then hands it to the real sinks.
class redacting_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  redacting_sink(std::shared_ptr<const security::redaction_engine> engine,
                 std::vector<spdlog::sink_ptr> sinks)
    : engine_(std::move(engine)), sinks_(std::move(sinks)) {
  }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    auto clean = engine_->redact({msg.payload.data(), msg.payload.size()});
    spdlog::details::log_msg copy = msg;
    copy.payload = clean;
    for (auto& s : sinks_)
      if (s->should_log(copy.level))
        s->log(copy);
  }

  void flush_() override {
    for (auto& s : sinks_)
      s->flush();
  }

private:
  std::shared_ptr<const security::redaction_engine> engine_;
  std::vector<spdlog::sink_ptr> sinks_;
};

} // namespace

void configure_logging(const std::string& level,
                       const std::optional<std::filesystem::path>& file,
                       std::shared_ptr<const security::redaction_engine>
                         engine) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off")
    throw user_error("config.range",
                     "logging.level: expected one of trace, debug, info, "
                     "warn, error, off, got \""
                       + level + "\"");
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (file) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(
        file->string()));
    } catch (const spdlog::spdlog_ex& e) {
      throw user_error("config.log_file",
                       "logging.file: cannot open " + file->string() + ": "
                         + e.what());
    }
  }
  std::shared_ptr<spdlog::logger> logger;
  if (engine) {
    auto sink = std::make_shared<redacting_sink>(std::move(engine),
                                                 std::move(sinks));
    logger = std::make_shared<spdlog::logger>("telclaude", sink);
  } else {
    logger = std::make_shared<spdlog::logger>("telclaude", sinks.begin(),
                                              sinks.end());
  }
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

} // namespace telclaude::app
