#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace telclaude::testing {

/// One answer the fake gives to the next `POST /v1/messages`, in the order
/// pushed; when the queue is empty the default reply is given.
struct scripted_reply {
  enum class kind { text, tool_use, http_error };
  kind what = kind::text;
  /// Reply text (text), or the error message (http_error).
  std::string text;
  /// Tool name and its input as a JSON object (tool_use).
  std::string tool_name;
  std::string tool_input_json;
  /// HTTP status (http_error): 401, 429, 500, ...
  int status = 200;
  /// Wait this long before answering.
  std::chrono::milliseconds delay{0};
};

/// A request the fake received.
struct recorded_request {
  std::string path;  ///< Path with query string, e.g. "/v1/messages?beta=true".
  std::string body;
  /// Messages with role "user" that carry text (tool results do not count).
  std::size_t user_turns = 0;
  /// The text of the last such user message ("" when none).
  std::string last_user_text;
};

/// A loopback fake of the Anthropic Messages API for the real `claude`
/// CLI: `POST /v1/messages` (any query) answered with Server-Sent Events in
/// the documented order. The default reply is
/// "Reply to turn <n>: <last user text>", so a resumed session (which sends
/// the earlier turns again) is visible in the reply. Listens on 127.0.0.1
/// with a port chosen by the kernel; stops in the destructor.
class fake_messages_api {
public:
  fake_messages_api();
  ~fake_messages_api();
  fake_messages_api(const fake_messages_api&) = delete;
  fake_messages_api& operator=(const fake_messages_api&) = delete;

  /// The port it listens on.
  int port() const noexcept {
    return port_;
  }

  /// "http://127.0.0.1:<port>", the value for ANTHROPIC_BASE_URL.
  std::string base_url() const;

  /// Queues a text reply.
  void push_text(std::string text,
                 std::chrono::milliseconds delay = std::chrono::milliseconds{0});

  /// Queues a `tool_use` reply (stop_reason "tool_use"); the CLI's follow-up
  /// request with the tool result gets the next queued (or default) reply.
  void push_tool_use(std::string name, std::string input_json);

  /// Queues an HTTP error answer with an Anthropic-shaped error body.
  void push_error(int status, std::string message = "scripted failure");

  /// Queues any scripted reply.
  void push(scripted_reply reply);

  /// Requests to `/v1/messages` so far.
  std::size_t request_count() const;

  /// Every request to any path, in arrival order.
  std::vector<recorded_request> requests() const;

  /// The last request to `/v1/messages` (empty when none).
  recorded_request last_request() const;

private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable stopping_cv_;
  bool stopping_ = false;
  std::deque<scripted_reply> queue_;
  std::vector<recorded_request> requests_;
  std::size_t message_count_ = 0;
};

} // namespace telclaude::testing
