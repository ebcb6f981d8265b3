#include "testing/bot_api_params.hpp"

#include <simdjson.h>

#include <charconv>

namespace telclaude::testing {

namespace {

namespace dom = simdjson::dom;

nlohmann::json to_json(dom::element element) {
  switch (element.type()) {
    case dom::element_type::ARRAY: {
      auto out = nlohmann::json::array();
      for (dom::element item : dom::array(element))
        out.push_back(to_json(item));
      return out;
    }
    case dom::element_type::OBJECT: {
      auto out = nlohmann::json::object();
      for (dom::key_value_pair field : dom::object(element))
        out[std::string{field.key}] = to_json(field.value);
      return out;
    }
    case dom::element_type::INT64:
      return std::int64_t{element.get_int64().value_unsafe()};
    case dom::element_type::UINT64:
      return std::uint64_t{element.get_uint64().value_unsafe()};
    case dom::element_type::DOUBLE:
      return element.get_double().value_unsafe();
    case dom::element_type::STRING:
      return std::string{element.get_string().value_unsafe()};
    case dom::element_type::BOOL:
      return element.get_bool().value_unsafe();
    case dom::element_type::NULL_VALUE:
      break;
  }
  return nullptr;
}

const nlohmann::json* find(const nlohmann::json& params, std::string_view key) {
  if (!params.is_object())
    return nullptr;
  auto it = params.find(key);
  return it == params.end() ? nullptr : &*it;
}

} // namespace

std::optional<nlohmann::json> parse_json_object(std::string_view body) {
  dom::parser parser;
  dom::element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
      !root.is_object())
    return std::nullopt;
  return to_json(root);
}

std::optional<std::int64_t> int_param(const nlohmann::json& params,
                                      std::string_view key) {
  const auto* value = find(params, key);
  if (!value)
    return std::nullopt;
  if (value->is_number_integer())
    return value->get<std::int64_t>();
  if (!value->is_string())
    return std::nullopt;
  const auto& text = value->get_ref<const std::string&>();
  std::int64_t out = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return out;
}

std::optional<std::string> string_param(const nlohmann::json& params,
                                        std::string_view key) {
  const auto* value = find(params, key);
  if (!value)
    return std::nullopt;
  if (value->is_string())
    return value->get<std::string>();
  if (value->is_number_integer())
    return std::to_string(value->get<std::int64_t>());
  return std::nullopt;
}

std::optional<nlohmann::json> object_param(const nlohmann::json& params,
                                           std::string_view key) {
  const auto* value = find(params, key);
  if (!value)
    return std::nullopt;
  if (value->is_object())
    return *value;
  if (value->is_string())
    return parse_json_object(value->get_ref<const std::string&>());
  return std::nullopt;
}

bool bool_param(const nlohmann::json& params, std::string_view key) {
  const auto* value = find(params, key);
  if (!value)
    return false;
  if (value->is_boolean())
    return value->get<bool>();
  return value->is_string() && (*value == "true" || *value == "1");
}

} // namespace telclaude::testing
