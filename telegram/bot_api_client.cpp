#include "telegram/bot_api_client.hpp"

#include "core/error.hpp"
#include "telegram/api_response.hpp"
#include "telegram/update_parser.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace telclaude::telegram {

namespace {

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool valid_token(std::string_view token) {
  auto colon = token.find(':');
  if (colon == 0 || colon == std::string_view::npos ||
      colon + 1 == token.size())
    return false;
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)); };
  auto word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  };
  return std::all_of(token.begin(), token.begin() + colon, digit) &&
         std::all_of(token.begin() + colon + 1, token.end(), word);
}

void replace_all(std::string& text, std::string_view what,
                 std::string_view with) {
  if (what.empty())
    return;
  for (auto at = text.find(what); at != std::string::npos;
       at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
}

size_t append_body(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

call_error make_error(error_kind kind, std::string message) {
  call_error e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

std::string dump(const nlohmann::json& body) {
  // Invalid UTF-8 in a text must not throw: it becomes U+FFFD.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void add_send_options(nlohmann::json& body, const send_options& options) {
  if (!options.parse_mode.empty())
    body["parse_mode"] = options.parse_mode;
  if (options.reply_markup)
    body["reply_markup"] = *options.reply_markup;
  if (options.disable_preview)
    body["link_preview_options"] = {{"is_disabled", true}};
}

} // namespace

/// One easy handle driven by a multi handle, so `cancel()` can wake the
/// wait at once with `curl_multi_wakeup`.
struct bot_api_client::curl_state {
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  char error_buffer[CURL_ERROR_SIZE] = {};

  curl_state() {
    init_curl_once();
    multi = curl_multi_init();
    easy = curl_easy_init();
    headers = curl_slist_append(nullptr, "Content-Type: application/json");
  }
  ~curl_state() {
    curl_slist_free_all(headers);
    curl_easy_cleanup(easy);
    curl_multi_cleanup(multi);
  }
  curl_state(const curl_state&) = delete;
  curl_state& operator=(const curl_state&) = delete;
};

struct bot_api_client::http_answer {
  long status = 0;
  std::string body;
};

bot_api_client::bot_api_client(std::string base_url, std::string token,
                               client_options options)
  : base_url_(std::move(base_url)),
    token_(std::move(token)),
    options_(options),
    curl_(std::make_unique<curl_state>()) {
  if (!valid_token(token_))
    throw telclaude::user_error(
      "telegram.token",
      "The bot token is not of the form <digits>:<letters, digits, _ or ->: "
      "copy it again from BotFather.");
  while (!base_url_.empty() && base_url_.back() == '/')
    base_url_.pop_back();
  if (!curl_->multi || !curl_->easy || !curl_->headers)
    throw std::runtime_error("libcurl could not be initialised");
}

bot_api_client::~bot_api_client() = default;

void bot_api_client::cancel() {
  cancelled_ = true;
  curl_multi_wakeup(curl_->multi);
}

void bot_api_client::resume() {
  cancelled_ = false;
}

std::string bot_api_client::scrub(std::string text) const {
  replace_all(text, token_, "<token>");
  auto colon = token_.find(':');
  std::string encoded = token_;
  encoded.replace(colon, 1, "%3A");
  replace_all(text, encoded, "<token>");
  encoded.replace(colon, 3, "%3a");
  replace_all(text, encoded, "<token>");
  return text;
}

call_result<bot_api_client::http_answer>
bot_api_client::post(std::string_view method, const nlohmann::json& body,
                     std::chrono::milliseconds timeout) {
  const std::string payload = dump(body);
  return transfer(method, timeout, [&](CURL* easy) {
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, curl_->headers);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, payload.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(payload.size()));
  });
}

call_result<bot_api_client::http_answer>
bot_api_client::transfer(std::string_view method,
                         std::chrono::milliseconds timeout,
                         const std::function<void(CURL*)>& set_body) {
  const std::string what = "POST " + std::string{method};
  if (cancelled_)
    return make_error(error_kind::cancelled, what + ": cancelled");
  const std::string url = base_url_ + "/bot" + token_ + "/" + std::string{method};
  http_answer answer;
  CURL* easy = curl_->easy;
  curl_->error_buffer[0] = '\0';
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  set_body(easy);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, curl_->error_buffer);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));

  curl_multi_add_handle(curl_->multi, easy);
  CURLcode result = CURLE_OK;
  bool finished = false;
  while (!finished) {
    if (cancelled_) {
      curl_multi_remove_handle(curl_->multi, easy);
      return make_error(error_kind::cancelled, what + ": cancelled");
    }
    int running = 0;
    CURLMcode status = curl_multi_perform(curl_->multi, &running);
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(curl_->multi, &left)) {
      if (message->msg == CURLMSG_DONE) {
        result = message->data.result;
        finished = true;
      }
    }
    if (status == CURLM_OK && !finished)
      status = curl_multi_poll(curl_->multi, nullptr, 0, 1000, nullptr);
    if (status != CURLM_OK) {
      curl_multi_remove_handle(curl_->multi, easy);
      return make_error(error_kind::network,
                        scrub(what + ": " + curl_multi_strerror(status)));
    }
  }
  curl_multi_remove_handle(curl_->multi, easy);
  if (result != CURLE_OK) {
    std::string message = what + ": " + curl_easy_strerror(result);
    if (curl_->error_buffer[0] != '\0')
      message += std::string{" ("} + curl_->error_buffer + ")";
    return make_error(error_kind::network, scrub(std::move(message)));
  }
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

template <class T, class Parse>
call_result<T> bot_api_client::call(std::string_view method,
                                    const nlohmann::json& body,
                                    std::chrono::milliseconds timeout,
                                    Parse parse) {
  return finish<T>(method, post(method, body, timeout), parse);
}

template <class T, class Parse>
call_result<T> bot_api_client::finish(std::string_view method,
                                      call_result<http_answer> answer,
                                      Parse parse) {
  if (!answer)
    return answer.error();
  call_result<T> parsed =
    parse(answer.value().body, static_cast<int>(answer.value().status));
  if (parsed)
    return parsed;
  call_error error = parsed.error();
  error.message = scrub(std::string{method} + ": " + error.message);
  error.api.description = scrub(std::move(error.api.description));
  return error;
}

call_result<update_batch> bot_api_client::get_updates(std::int64_t offset,
                                                      int timeout_s,
                                                      int limit) {
  nlohmann::json body = {{"offset", offset},
                         {"timeout", std::max(timeout_s, 0)},
                         {"limit", std::clamp(limit, 1, 100)}};
  const auto timeout =
    std::chrono::milliseconds{std::max(timeout_s, 0) * 1000L} +
    options_.poll_margin;
  return call<update_batch>("getUpdates", body, timeout, &parse_get_updates);
}

call_result<std::int64_t>
bot_api_client::send_message(std::int64_t chat_id, std::string_view text,
                             const send_options& options) {
  nlohmann::json body = {{"chat_id", chat_id}, {"text", text}};
  add_send_options(body, options);
  if (options.reply_to)
    body["reply_parameters"] = {{"message_id", *options.reply_to},
                                {"allow_sending_without_reply", true}};
  return call<std::int64_t>("sendMessage", body, options_.request_timeout,
                            &parse_sent_message);
}

call_result<done> bot_api_client::edit_message_text(std::int64_t chat_id,
                                                    std::int64_t message_id,
                                                    std::string_view text,
                                                    const send_options& options) {
  nlohmann::json body = {
    {"chat_id", chat_id}, {"message_id", message_id}, {"text", text}};
  add_send_options(body, options);
  return call<done>("editMessageText", body, options_.request_timeout,
                    &parse_done);
}

call_result<done> bot_api_client::send_chat_action(std::int64_t chat_id,
                                                   std::string_view action) {
  nlohmann::json body = {{"chat_id", chat_id}, {"action", action}};
  return call<done>("sendChatAction", body, options_.request_timeout,
                    &parse_done);
}

call_result<done>
bot_api_client::answer_callback_query(std::string_view callback_query_id,
                                      std::string_view text, bool show_alert) {
  nlohmann::json body = {{"callback_query_id", callback_query_id}};
  if (!text.empty())
    body["text"] = text;
  if (show_alert)
    body["show_alert"] = true;
  return call<done>("answerCallbackQuery", body, options_.request_timeout,
                    &parse_done);
}

call_result<std::int64_t>
bot_api_client::send_photo(std::int64_t chat_id,
                           const std::vector<std::uint8_t>& png,
                           std::string_view caption,
                           const send_options& options) {
  // multipart/form-data: the photo is uploaded, the rest are form fields.
  nlohmann::json fields = {{"chat_id", chat_id}};
  if (!caption.empty())
    fields["caption"] = caption;
  add_send_options(fields, options);
  std::unique_ptr<curl_mime, decltype(&curl_mime_free)> mime{
    curl_mime_init(curl_->easy), &curl_mime_free};
  for (const auto& [name, value] : fields.items()) {
    auto text = value.is_string() ? value.get<std::string>() : value.dump();
    curl_mimepart* part = curl_mime_addpart(mime.get());
    curl_mime_name(part, name.c_str());
    curl_mime_data(part, text.data(), text.size());
  }
  curl_mimepart* photo = curl_mime_addpart(mime.get());
  curl_mime_name(photo, "photo");
  curl_mime_filename(photo, "qr.png");
  curl_mime_type(photo, "image/png");
  curl_mime_data(photo, reinterpret_cast<const char*>(png.data()), png.size());
  auto answer = transfer("sendPhoto", options_.request_timeout, [&](CURL* easy) {
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(easy, CURLOPT_MIMEPOST, mime.get());
  });
  // The handle is reused: the next call must not send this form again.
  curl_easy_setopt(curl_->easy, CURLOPT_MIMEPOST, nullptr);
  return finish<std::int64_t>("sendPhoto", std::move(answer),
                              &parse_sent_message);
}

call_result<done> bot_api_client::delete_message(std::int64_t chat_id,
                                                 std::int64_t message_id) {
  nlohmann::json body = {{"chat_id", chat_id}, {"message_id", message_id}};
  return call<done>("deleteMessage", body, options_.request_timeout,
                    &parse_done);
}

call_result<bot_user> bot_api_client::get_me() {
  return call<bot_user>("getMe", nlohmann::json::object(),
                        options_.request_timeout, &parse_bot_user);
}

} // namespace telclaude::telegram
