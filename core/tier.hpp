#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace telclaude {

/// A permission tier: what the agent may do for a user. Shared by config
/// (`security.permissions`), storage (identity links, approvals) and the
/// security checks, none of which depends on another for it.
enum class tier {
  read_only,    // READ_ONLY: read files, no writes, no shell
  write_safe,   // WRITE_SAFE: writes in the workdir, no dangerous commands
  full_access,  // FULL_ACCESS: everything; requests need approval
};

/// Every tier, least privileged first.
inline constexpr std::array<tier, 3> all_tiers{tier::read_only,
                                               tier::write_safe,
                                               tier::full_access};

/// "READ_ONLY", "WRITE_SAFE" or "FULL_ACCESS".
constexpr std::string_view to_string(tier t) noexcept {
  switch (t) {
  case tier::read_only:
    return "READ_ONLY";
  case tier::write_safe:
    return "WRITE_SAFE";
  case tier::full_access:
    return "FULL_ACCESS";
  }
  return "READ_ONLY";
}

/// The tier named exactly (case-sensitive) `name`, else nullopt.
constexpr std::optional<tier> parse_tier(std::string_view name) noexcept {
  for (auto t : all_tiers)
    if (to_string(t) == name)
      return t;
  return std::nullopt;
}

} // namespace telclaude
