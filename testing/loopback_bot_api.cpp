#include "testing/loopback_bot_api.hpp"

#include "testing/bot_api_params.hpp"
#include "testing/bot_api_state.hpp"

#include <httplib.h>

#include <stdexcept>
#include <thread>

namespace telclaude::testing {

bool bot_message::is_preview() const {
  if (!reply_markup || !reply_markup->contains("inline_keyboard"))
    return false;
  for (const auto& row : (*reply_markup)["inline_keyboard"])
    for (const auto& b : row)
      if (b.value("callback_data", "").starts_with("stop:"))
        return true;
  return false;
}

namespace {

using std::chrono::steady_clock;

/// The parameters of a request: a JSON body, or form/query/multipart
/// fields as strings; nullopt for a JSON body that does not parse.
std::optional<nlohmann::json> request_params(const httplib::Request& req) {
  if (req.get_header_value("Content-Type").find("application/json") !=
        std::string::npos &&
      !req.body.empty())
    return parse_json_object(req.body);
  auto params = nlohmann::json::object();
  for (const auto& [key, value] : req.params)
    params[key] = value;
  for (const auto& [key, file] : req.files)
    params[key] = file.content;
  return params;
}

/// A plausible content object for a message of `kind`.
nlohmann::json content_of(std::string_view kind, std::int64_t id) {
  const auto file = std::string{kind} + "-" + std::to_string(id);
  const nlohmann::json media = {{"file_id", file}, {"file_unique_id", file}};
  if (kind == "photo")
    return nlohmann::json::array(
      {{{"file_id", file}, {"file_unique_id", file}, {"width", 90},
        {"height", 90}, {"file_size", 1024}}});
  if (kind == "sticker")
    return {{"file_id", file}, {"file_unique_id", file}, {"type", "regular"},
            {"width", 512}, {"height", 512}, {"is_animated", false},
            {"is_video", false}, {"emoji", "\xF0\x9F\x98\x80"}};
  if (kind == "voice")
    return {{"file_id", file}, {"file_unique_id", file}, {"duration", 2},
            {"mime_type", "audio/ogg"}};
  if (kind == "document")
    return {{"file_id", file}, {"file_unique_id", file},
            {"file_name", "notes.txt"}, {"mime_type", "text/plain"}};
  if (kind == "location")
    return {{"latitude", 52.52}, {"longitude", 13.405}};
  return media;
}

} // namespace

struct loopback_bot_api::impl {
  explicit impl(loopback_bot_api_options options) : state(std::move(options)) {
  }

  void serve(const httplib::Request& req, httplib::Response& res);

  /// Queues a user's new message after `fill` added its content.
  std::int64_t post_user_message(
    std::int64_t chat_id, std::int64_t user_id, std::string_view chat_type,
    const std::function<void(nlohmann::json&, std::int64_t)>& fill);

  bot_api_state state;
  httplib::Server server;
  std::thread thread;
  int port = 0;
};

void loopback_bot_api::impl::serve(const httplib::Request& req,
                                   httplib::Response& res) {
  const std::string token = req.matches[1];
  const std::string method = req.matches[2];
  auto params = request_params(req);
  std::unique_lock lock{state.mutex};
  bot_api_answer answer;
  if (token != state.options.token)
    answer = error_answer(401, "Unauthorized");
  else if (!params)
    answer = error_answer(400, "Bad Request: can't parse JSON object");
  else
    answer = state.handle(method, *params, lock);
  state.calls.push_back({method, params.value_or(nlohmann::json{}),
                         answer.status, steady_clock::now()});
  lock.unlock();
  if (answer.close_connection) {
    // Headers promise a body that never comes: the client sees the
    // connection drop mid-answer.
    res.set_content_provider(
      64, "application/json",
      [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
    return;
  }
  res.status = answer.status;
  const bool json = !answer.body.empty() && answer.body.front() == '{';
  res.set_content(answer.body, json ? "application/json" : "text/html");
}

std::int64_t loopback_bot_api::impl::post_user_message(
  std::int64_t chat_id, std::int64_t user_id, std::string_view chat_type,
  const std::function<void(nlohmann::json&, std::int64_t)>& fill) {
  std::lock_guard lock{state.mutex};
  auto& chat = state.chat(chat_id, chat_type);
  const auto message_id = chat.next_message_id++;
  auto message = state.message_json(chat_id, chat, message_id, user_id);
  return state.push_update([&](std::int64_t id) {
    nlohmann::json update = {{"update_id", id}};
    fill(message, id);
    update["message"] = message;
    return update.dump();
  });
}

loopback_bot_api::loopback_bot_api(loopback_bot_api_options options)
  : impl_(std::make_unique<impl>(std::move(options))) {
  auto& server = impl_->server;
  impl_->state.empty_polls_at_once = impl_->state.options.empty_polls_at_once;
  const auto threads = std::max<std::size_t>(impl_->state.options.threads, 2);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Idle keep-alive connections hold a worker; let them go soon.
  server.set_keep_alive_timeout(1);
  // As Telegram's servers: an answer's headers and body are not held
  // back by Nagle until the client's delayed ACK (40 ms a call).
  server.set_tcp_nodelay(true);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    impl_->serve(req, res);
  };
  const std::string route = R"(/bot([^/]+)/([A-Za-z]+))";
  server.Post(route, handler);
  server.Get(route, handler);
  impl_->port = server.bind_to_any_port("127.0.0.1");
  if (impl_->port <= 0)
    throw std::runtime_error("loopback Bot API: cannot bind 127.0.0.1");
  impl_->thread = std::thread([&server] { server.listen_after_bind(); });
  // stop() before the accept loop runs would be lost.
  while (!server.is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
}

loopback_bot_api::~loopback_bot_api() {
  {
    std::lock_guard lock{impl_->state.mutex};
    impl_->state.stopping = true;
  }
  impl_->state.changed.notify_all();
  impl_->server.stop();
  impl_->thread.join();
}

std::string loopback_bot_api::base_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

const std::string& loopback_bot_api::token() const {
  return impl_->state.options.token;
}

std::uint16_t loopback_bot_api::port() const {
  return static_cast<std::uint16_t>(impl_->port);
}

std::int64_t loopback_bot_api::post_message(std::int64_t chat_id,
                                            std::int64_t user_id,
                                            std::string_view text,
                                            std::string_view chat_type) {
  return impl_->post_user_message(
    chat_id, user_id, chat_type,
    [&](nlohmann::json& message, std::int64_t) { message["text"] = text; });
}

std::int64_t loopback_bot_api::post_command(std::int64_t chat_id,
                                            std::int64_t user_id,
                                            std::string_view text,
                                            std::string_view chat_type) {
  const auto command = text.substr(0, text.find_first_of(" \n"));
  return impl_->post_user_message(
    chat_id, user_id, chat_type, [&](nlohmann::json& message, std::int64_t) {
      message["text"] = text;
      message["entities"] = nlohmann::json::array(
        {{{"offset", 0}, {"length", utf16_units(command)},
          {"type", "bot_command"}}});
    });
}

std::int64_t loopback_bot_api::post_non_text(std::int64_t chat_id,
                                             std::int64_t user_id,
                                             std::string_view kind,
                                             std::string_view chat_type) {
  return impl_->post_user_message(
    chat_id, user_id, chat_type,
    [&](nlohmann::json& message, std::int64_t id) {
      message[std::string{kind}] = content_of(kind, id);
    });
}

std::int64_t loopback_bot_api::post_edited_message(std::int64_t chat_id,
                                                   std::int64_t user_id,
                                                   std::int64_t message_id,
                                                   std::string_view text) {
  auto& state = impl_->state;
  std::lock_guard lock{state.mutex};
  auto& chat = state.chat(chat_id, chat_id > 0 ? "private" : "group");
  auto message = state.message_json(chat_id, chat, message_id, user_id);
  message["text"] = text;
  message["edit_date"] = state.now_date();
  return state.push_update([&](std::int64_t id) {
    return nlohmann::json{{"update_id", id}, {"edited_message", message}}
      .dump();
  });
}

std::int64_t loopback_bot_api::post_callback(std::int64_t chat_id,
                                             std::int64_t user_id,
                                             std::int64_t message_id,
                                             std::string_view data) {
  auto& state = impl_->state;
  std::lock_guard lock{state.mutex};
  auto& chat = state.chat(chat_id, chat_id > 0 ? "private" : "group");
  return state.push_update([&](std::int64_t id) {
    const auto query_id = "cb-" + std::to_string(id);
    state.open_callbacks.insert(query_id);
    nlohmann::json query = {
      {"id", query_id},
      {"from", state.user_json(user_id)},
      {"message", state.message_json(chat_id, chat, message_id, std::nullopt)},
      {"chat_instance", "ci-" + std::to_string(chat_id)},
      {"data", data}};
    return nlohmann::json{{"update_id", id}, {"callback_query", query}}.dump();
  });
}

std::int64_t loopback_bot_api::post_raw_update(std::string_view json) {
  std::lock_guard lock{impl_->state.mutex};
  return impl_->state.push_update([&](std::int64_t id) {
    std::string out{json};
    const std::string marker = "{{update_id}}";
    const auto value = std::to_string(id);
    for (auto at = out.find(marker); at != std::string::npos;
         at = out.find(marker, at + value.size()))
      out.replace(at, marker.size(), value);
    return out;
  });
}

void loopback_bot_api::open_chat(std::int64_t chat_id,
                                 std::string_view chat_type) {
  std::lock_guard lock{impl_->state.mutex};
  impl_->state.chat(chat_id, chat_type);
}

void loopback_bot_api::fail_next(std::string_view method, std::size_t count,
                                 fault f) {
  std::lock_guard lock{impl_->state.mutex};
  auto& queue = impl_->state.faults[std::string{method}];
  for (std::size_t i = 0; i < count; ++i)
    queue.push_back(f);
}

void loopback_bot_api::set_webhook_active(bool active) {
  std::lock_guard lock{impl_->state.mutex};
  impl_->state.webhook_active = active;
  ++impl_->state.poll_generation;
  impl_->state.changed.notify_all();
}

void loopback_bot_api::set_empty_polls_at_once(bool at_once) {
  std::lock_guard lock{impl_->state.mutex};
  impl_->state.empty_polls_at_once = at_once;
}

std::vector<bot_message> loopback_bot_api::messages(std::int64_t chat_id) const {
  std::lock_guard lock{impl_->state.mutex};
  auto it = impl_->state.chats.find(chat_id);
  if (it == impl_->state.chats.end())
    return {};
  return it->second.bot_messages;
}

std::vector<bot_message>
loopback_bot_api::wait_for_messages(std::int64_t chat_id, std::size_t n,
                                    std::chrono::milliseconds timeout) const {
  auto& state = impl_->state;
  std::unique_lock lock{state.mutex};
  auto count = [&] {
    auto it = state.chats.find(chat_id);
    return it == state.chats.end() ? 0 : it->second.bot_messages.size();
  };
  state.changed.wait_for(lock, timeout, [&] { return count() >= n; });
  auto it = state.chats.find(chat_id);
  if (it == state.chats.end())
    return {};
  return it->second.bot_messages;
}

std::vector<api_call> loopback_bot_api::calls(std::string_view method) const {
  std::lock_guard lock{impl_->state.mutex};
  if (method.empty())
    return impl_->state.calls;
  std::vector<api_call> out;
  for (const auto& call : impl_->state.calls)
    if (call.method == method)
      out.push_back(call);
  return out;
}

std::size_t loopback_bot_api::get_updates_calls() const {
  std::lock_guard lock{impl_->state.mutex};
  return impl_->state.get_updates_calls;
}

std::vector<std::string>
loopback_bot_api::chat_actions(std::int64_t chat_id) const {
  std::lock_guard lock{impl_->state.mutex};
  auto it = impl_->state.chats.find(chat_id);
  if (it == impl_->state.chats.end())
    return {};
  return it->second.actions;
}

std::vector<std::string> loopback_bot_api::answered_callbacks() const {
  std::lock_guard lock{impl_->state.mutex};
  return impl_->state.answered_callbacks;
}

std::int64_t loopback_bot_api::confirmed_offset() const {
  std::lock_guard lock{impl_->state.mutex};
  return impl_->state.confirmed_offset;
}

bool loopback_bot_api::wait_for_confirmed_offset(
  std::int64_t offset, std::chrono::milliseconds timeout) const {
  auto& state = impl_->state;
  std::unique_lock lock{state.mutex};
  return state.changed.wait_for(
    lock, timeout, [&] { return state.confirmed_offset >= offset; });
}

std::size_t loopback_bot_api::pending_updates() const {
  std::lock_guard lock{impl_->state.mutex};
  return impl_->state.updates.size();
}

} // namespace telclaude::testing
