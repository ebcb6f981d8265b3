#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace telclaude::security {

/// The observer's verdict on one request.
enum class classification { allow, warn, block };

/// "ALLOW", "WARN", "BLOCK".
std::string_view to_string(classification c) noexcept;

/// What the classifier model answered, once parsed.
struct classifier_answer {
  classification verdict = classification::block;
  double confidence = 0;  ///< 0..1
  std::string reason;
};

/// The outcome of parsing a model answer: the answer, or why it is not one.
struct parsed_answer {
  std::optional<classifier_answer> answer;
  std::string error;  ///< Empty when `answer` is set.
};

/// Longest `reason` accepted from the model (bytes).
inline constexpr std::size_t max_reason_bytes = 500;

/// Parses the model's whole answer, strictly: exactly one JSON object
/// (whitespace around it allowed, nothing else — no prose, no code fence,
/// no second object) with exactly the keys "classification" ("ALLOW",
/// "WARN" or "BLOCK", that spelling), "confidence" (a number 0..1) and
/// "reason" (a non-empty string of at most max_reason_bytes), each once.
/// Anything else is an error: the caller counts it as a failed call.
parsed_answer parse_classifier_answer(std::string_view text);

/// `security.observer.dangerThreshold`: a BLOCK below `threshold`
/// becomes WARN; a WARN below half of it becomes ALLOW. Applied once
/// (a weak BLOCK becomes WARN, never ALLOW).
classifier_answer apply_danger_threshold(classifier_answer a,
                                         double threshold);

/// The security-gate system prompt (security/observer_prompt.md, embedded
/// at build time).
std::string_view observer_system_prompt();

/// The user's text as data for the classifier: `&`, `<` and `>` escaped
/// as XML entities (so the text can never close its delimiter), between
/// `<user_message>` and `</user_message>`, after a fixed instruction.
std::string classifier_request(std::string_view user_text);

} // namespace telclaude::security
