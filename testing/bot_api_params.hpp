#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace telclaude::testing {

/// Parses a JSON request body (with simdjson) into the object the fakes
/// keep; nullopt when it is not a JSON object.
std::optional<nlohmann::json> parse_json_object(std::string_view body);

/// A parameter as an integer: a JSON number or a decimal string (form
/// bodies carry strings).
std::optional<std::int64_t> int_param(const nlohmann::json& params,
                                      std::string_view key);

/// A parameter as a string: a JSON string, or a number's decimal text.
std::optional<std::string> string_param(const nlohmann::json& params,
                                        std::string_view key);

/// A parameter that is a JSON object, or a string holding one (form
/// bodies send `reply_markup` that way).
std::optional<nlohmann::json> object_param(const nlohmann::json& params,
                                           std::string_view key);

/// A parameter as a boolean: true, or "true"/"1" in a form body.
bool bool_param(const nlohmann::json& params, std::string_view key);

} // namespace telclaude::testing
