#include "actors/observer_classifier.hpp"

#include "agent/child_process.hpp"
#include "agent/invocation.hpp"
#include "agent/stream_json.hpp"
#include "core/error.hpp"

#include <filesystem>

#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>

namespace telclaude {

std::vector<std::string> classifier_args(const classifier_spec& spec,
                                         std::string_view text) {
  agent::invocation call;
  call.prompt = security::classifier_request(text);
  call.model = spec.model;
  // `--tools ""`: no built-in tool exists for this call at all.
  call.tools = {""};
  call.extra_args = {"--no-session-persistence",
                     "--disable-slash-commands",
                     "--strict-mcp-config",
                     "--system-prompt",
                     std::string{security::observer_system_prompt()}};
  return agent::build_claude_args(spec.command, call);
}

classifier_spec classifier_spec_from(const sandbox::policy& agent_base,
                                     std::vector<std::string> command,
                                     const std::string& home_dir,
                                     std::string model,
                                     std::chrono::milliseconds max_latency) {
  std::error_code ec;
  std::filesystem::create_directories(home_dir, ec);
  std::filesystem::permissions(home_dir, std::filesystem::perms::owner_all,
                               ec);
  if (ec)
    throw user_error("sandbox.state_dir",
                     "cannot create the observer's private home " + home_dir
                       + ": " + ec.message());
  classifier_spec spec;
  spec.policy = agent_base;
  spec.policy.workdir.clear();
  spec.policy.workdir_writable = false;
  spec.policy.tmp.clear();
  spec.policy.home = home_dir;
  spec.policy.read_only_overlays.clear();
  for (auto& entry : spec.policy.env)
    if (entry.starts_with("HOME="))
      entry = "HOME=" + home_dir;
  spec.command = std::move(command);
  spec.model = std::move(model);
  spec.max_latency = max_latency;
  return spec;
}

void classifier_cancel::cancel() {
  {
    std::lock_guard lock{mutex_};
    cancelled_ = true;
  }
  cv_.notify_all();
}

classifier_outcome run_classifier(
  const classifier_spec& spec, std::string_view text,
  const std::shared_ptr<classifier_cancel>& cancel) {
  using namespace std::chrono;
  classifier_outcome out;
  const auto started = steady_clock::now();
  auto finish = [&](std::string error) {
    out.error = std::move(error);
    out.elapsed = duration_cast<milliseconds>(steady_clock::now() - started);
    return out;
  };
  std::unique_ptr<agent::child_process> child;
  try {
    child = std::make_unique<agent::child_process>(
      sandbox::sandboxed_spawn(spec.policy, classifier_args(spec, text)));
  } catch (const std::exception& e) {
    return finish(std::string{"could not start the classifier: "}
                  + e.what());
  }
  // The watchdog: kills the model at the deadline or when cancelled; the
  // reader below then sees end of file.
  auto token = cancel ? cancel : std::make_shared<classifier_cancel>();
  bool done = false;
  bool killed = false;
  bool cancelled = false;
  std::thread watchdog{[&] {
    std::unique_lock lock{token->mutex_};
    token->cv_.wait_until(lock, started + spec.max_latency, [&] {
      return done || token->cancelled_;
    });
    if (!done) {
      killed = true;
      cancelled = token->cancelled_;
      child->signal(SIGKILL);
    }
  }};
  agent::stream_json_parser parser;
  std::optional<agent::result_event> result;
  while (auto line = child->read_line())
    for (auto& e : parser.parse_line(*line))
      if (auto* r = std::get_if<agent::result_event>(&e))
        result = std::move(*r);
  auto status = child->wait();
  {
    std::lock_guard lock{token->mutex_};
    done = true;
  }
  token->cv_.notify_all();
  watchdog.join();
  if (cancelled)
    return finish("cancelled (the relay is stopping)");
  if (killed) {
    out.timed_out = true;
    return finish("timed out after " + std::to_string(spec.max_latency.count())
                  + " ms");
  }
  if (!result)
    return finish("the classifier ended without a result ("
                  + status.describe() + "): "
                  + agent::shorten_utf8(child->stderr_tail(), 300));
  if (result->is_error)
    return finish("the classifier failed: "
                  + agent::shorten_utf8(result->result, 200));
  auto parsed = security::parse_classifier_answer(result->result);
  if (!parsed.answer)
    return finish("malformed answer: " + parsed.error);
  out.answer = std::move(parsed.answer);
  return finish("");
}

} // namespace telclaude
