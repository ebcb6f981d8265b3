#include "testing/fake_messages_api.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <stdexcept>

namespace telclaude::testing {

namespace {

using json = nlohmann::json;

/// Counts the user turns in a request body and finds the last user text.
/// Text blocks the CLI injects (`<system-reminder>`) are not the user's.
void read_user_turns(const std::string& body, recorded_request& out) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS)
    return;
  simdjson::dom::array messages;
  if (doc["messages"].get_array().get(messages) != simdjson::SUCCESS)
    return;
  for (auto message : messages) {
    std::string_view role;
    if (message["role"].get_string().get(role) != simdjson::SUCCESS
        || role != "user")
      continue;
    std::string text;
    std::string_view plain;
    simdjson::dom::array blocks;
    if (message["content"].get_string().get(plain) == simdjson::SUCCESS) {
      text = plain;
    } else if (message["content"].get_array().get(blocks)
               == simdjson::SUCCESS) {
      for (auto block : blocks) {
        std::string_view type;
        std::string_view block_text;
        if (block["type"].get_string().get(type) != simdjson::SUCCESS
            || type != "text"
            || block["text"].get_string().get(block_text) != simdjson::SUCCESS
            || block_text.starts_with("<system-reminder>"))
          continue;
        text = block_text;
      }
    }
    if (text.empty())
      continue;
    ++out.user_turns;
    out.last_user_text = std::move(text);
  }
}

std::string sse(const json& event) {
  return "event: " + event["type"].get<std::string>() + "\ndata: "
         + event.dump() + "\n\n";
}

/// The Server-Sent Events of one streamed assistant message.
std::string sse_message(const std::string& model, const scripted_reply& reply,
                        std::size_t number, std::size_t input_tokens) {
  std::string out;
  out += sse({{"type", "message_start"},
              {"message",
               {{"id", "msg_fake" + std::to_string(number)},
                {"type", "message"},
                {"role", "assistant"},
                {"model", model},
                {"content", json::array()},
                {"stop_reason", nullptr},
                {"stop_sequence", nullptr},
                {"usage",
                 {{"input_tokens", input_tokens}, {"output_tokens", 1}}}}}});
  const bool tool = reply.what == scripted_reply::kind::tool_use;
  json block = tool ? json{{"type", "tool_use"},
                           {"id", "toolu_fake" + std::to_string(number)},
                           {"name", reply.tool_name},
                           {"input", json::object()}}
                    : json{{"type", "text"}, {"text", ""}};
  out += sse({{"type", "content_block_start"},
              {"index", 0},
              {"content_block", block}});
  json delta = tool ? json{{"type", "input_json_delta"},
                           {"partial_json", reply.tool_input_json}}
                    : json{{"type", "text_delta"}, {"text", reply.text}};
  out += sse({{"type", "content_block_delta"}, {"index", 0}, {"delta", delta}});
  out += sse({{"type", "content_block_stop"}, {"index", 0}});
  out += sse({{"type", "message_delta"},
              {"delta",
               {{"stop_reason", tool ? "tool_use" : "end_turn"},
                {"stop_sequence", nullptr}}},
              {"usage", {{"output_tokens", 1 + reply.text.size() / 4}}}});
  out += sse({{"type", "message_stop"}});
  return out;
}

std::string model_of(const std::string& body) {
  simdjson::dom::parser parser;
  std::string_view model;
  if (parser.parse(body)["model"].get_string().get(model) != simdjson::SUCCESS)
    return "claude-fake";
  return std::string{model};
}

} // namespace

fake_messages_api::fake_messages_api()
  : server_(std::make_unique<httplib::Server>()) {
  server_->Post("/v1/messages", [this](const httplib::Request& req,
                                       httplib::Response& res) {
    recorded_request rec;
    rec.path = req.path;
    if (!req.params.empty()) {
      std::string query;
      for (const auto& [key, value] : req.params)
        query += (query.empty() ? "?" : "&") + key + "=" + value;
      rec.path += query;
    }
    rec.body = req.body;
    read_user_turns(req.body, rec);
    scripted_reply reply;
    std::size_t number = 0;
    {
      std::unique_lock lock{mutex_};
      requests_.push_back(rec);
      number = ++message_count_;
      if (!queue_.empty()) {
        reply = std::move(queue_.front());
        queue_.pop_front();
      } else {
        reply.text = "Reply to turn " + std::to_string(rec.user_turns) + ": "
                     + rec.last_user_text;
      }
      if (reply.delay.count() > 0)
        stopping_cv_.wait_for(lock, reply.delay, [this] { return stopping_; });
    }
    if (reply.what == scripted_reply::kind::http_error) {
      res.status = reply.status;
      json body{{"type", "error"},
                {"error", {{"type", "api_error"}, {"message", reply.text}}}};
      res.set_content(body.dump(), "application/json");
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_content(sse_message(model_of(req.body), reply, number,
                                req.body.size() / 4),
                    "text/event-stream");
  });
  // Anything else the CLI may try is recorded and answered 404.
  auto unknown = [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock{mutex_};
    requests_.push_back(recorded_request{req.path, req.body, 0, {}});
    res.status = 404;
  };
  server_->Get(".*", unknown);
  server_->Post(".*", unknown);
  server_->Put(".*", unknown);
  server_->Delete(".*", unknown);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0)
    throw std::runtime_error("fake_messages_api: cannot bind 127.0.0.1");
  thread_ = std::thread{[this] { server_->listen_after_bind(); }};
  while (!server_->is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
}

fake_messages_api::~fake_messages_api() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  stopping_cv_.notify_all();
  server_->stop();
  thread_.join();
}

std::string fake_messages_api::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void fake_messages_api::push_text(std::string text,
                                  std::chrono::milliseconds delay) {
  push(scripted_reply{scripted_reply::kind::text, std::move(text), {}, {}, 200,
                      delay});
}

void fake_messages_api::push_tool_use(std::string name,
                                      std::string input_json) {
  push(scripted_reply{scripted_reply::kind::tool_use, {}, std::move(name),
                      std::move(input_json), 200, {}});
}

void fake_messages_api::push_error(int status, std::string message) {
  push(scripted_reply{scripted_reply::kind::http_error, std::move(message), {},
                      {}, status, {}});
}

void fake_messages_api::push(scripted_reply reply) {
  std::lock_guard lock{mutex_};
  queue_.push_back(std::move(reply));
}

std::size_t fake_messages_api::request_count() const {
  std::lock_guard lock{mutex_};
  return message_count_;
}

std::vector<recorded_request> fake_messages_api::requests() const {
  std::lock_guard lock{mutex_};
  return requests_;
}

recorded_request fake_messages_api::last_request() const {
  std::lock_guard lock{mutex_};
  for (auto i = requests_.rbegin(); i != requests_.rend(); ++i)
    if (i->path.starts_with("/v1/messages"))
      return *i;
  return {};
}

} // namespace telclaude::testing
