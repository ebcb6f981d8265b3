#pragma once

#include <string_view>

namespace telclaude {

/// How much of the security pipeline runs (`security.profile`, `relay
/// --profile`). Shared by config (which reads it) and security (whose gate
/// obeys it), neither of which depends on the other.
enum class security_profile {
  simple,  // "simple": tiers, rate limits, audit, approvals for FULL_ACCESS
  strict,  // "strict": simple plus the observer and more approvals
  test,    // "test": no security at all; needs TELCLAUDE_ENABLE_TEST_PROFILE=1
};

/// "simple", "strict" or "test".
constexpr std::string_view to_string(security_profile profile) noexcept {
  switch (profile) {
  case security_profile::strict:
    return "strict";
  case security_profile::test:
    return "test";
  case security_profile::simple:
    break;
  }
  return "simple";
}

} // namespace telclaude
