#include "config/security_reader.hpp"

#include "config/loader.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace telclaude::config {

namespace {

constexpr std::string_view test_profile_variable =
  "TELCLAUDE_ENABLE_TEST_PROFILE";

bool is_pattern_id(std::string_view id) {
  return !id.empty() && id.size() <= 64
      && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

user_pattern_settings read_user_pattern(json_object in) {
  user_pattern_settings out;
  if (auto id = in.require("id", "name the pattern, e.g. \"my_api_key\"")) {
    out.id = id->string();
    if (!is_pattern_id(out.id))
      id->expected("an id of 1 to 64 characters a-z, 0-9 or _",
                   "config.invalid");
  }
  if (auto pattern = in.require("pattern", "give the regular expression"))
    out.pattern = pattern->string();
  in.finish();
  return out;
}

void read_secret_filter(json_object in, secret_filter_settings& out) {
  if (auto patterns = in.find("additionalPatterns")) {
    auto elements = patterns->array();
    for (const auto& element : elements) {
      auto pattern = read_user_pattern(element.object());
      for (std::size_t i = 0; i < out.additional_patterns.size(); ++i)
        if (out.additional_patterns[i].id == pattern.id)
          throw user_error("config.invalid",
                           element.path() + ".id: duplicate id \"" + pattern.id
                             + "\" (also at " + elements[i].path() + ")");
      out.additional_patterns.push_back(std::move(pattern));
    }
  }
  auto entropy = in.object("entropyDetection");
  entropy.read("enabled", out.entropy_enabled);
  entropy.read("threshold", out.entropy_threshold, 1.0, 8.0);
  entropy.read("minLength", out.entropy_min_length, 16, 128);
  entropy.finish();
  in.finish();
}

/// `{"perMinute": N, "perHour": M}`; absent keys keep `out`'s values.
void read_rate_limit(json_object in, rate_limit& out) {
  in.read("perMinute", out.per_minute, 1);
  in.read("perHour", out.per_hour, 1);
  in.finish();
  if (out.per_minute > out.per_hour)
    throw user_error("config.invalid",
                     in.child_path("perHour")
                       + ": must be at least perMinute ("
                       + std::to_string(out.per_minute) + "), got "
                       + std::to_string(out.per_hour));
}

const std::vector<std::string_view> tier_names{
  to_string(tier::read_only), to_string(tier::write_safe),
  to_string(tier::full_access)};

tier read_tier(const json_node& node) {
  return *parse_tier(node.one_of(tier_names));
}

void read_rate_limits(json_object in, rate_limits_settings& out) {
  read_rate_limit(in.object("global"), out.global);
  read_rate_limit(in.object("perUser"), out.per_user);
  auto per_tier = in.object("perTier");
  read_rate_limit(per_tier.object("READ_ONLY"), out.read_only);
  read_rate_limit(per_tier.object("WRITE_SAFE"), out.write_safe);
  read_rate_limit(per_tier.object("FULL_ACCESS"), out.full_access);
  per_tier.finish();
  in.finish();
}

/// The user id of a `tg:<positive integer>` key (no sign, no leading
/// zero, so each user has exactly one spelling), else nullopt.
std::optional<std::int64_t> user_key_id(std::string_view key) {
  if (!key.starts_with("tg:"))
    return std::nullopt;
  auto digits = key.substr(3);
  if (digits.empty() || digits[0] == '0')
    return std::nullopt;
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(),
                                   id);
  if (ec != std::errc{} || end != digits.data() + digits.size() || id <= 0)
    return std::nullopt;
  return id;
}

void read_permissions(json_object in, permissions_settings& out,
                      const rate_limit& per_user) {
  if (auto node = in.find("defaultTier")) {
    out.default_tier = read_tier(*node);
    if (out.default_tier == tier::full_access)
      node->fail("config.invalid",
                 "FULL_ACCESS cannot be the default tier: every linked user "
                 "would get it; give it to single users in "
                   + in.child_path("users"));
  }
  if (auto users = in.find("users")) {
    for (auto& [key, node] : users->object().entries()) {
      auto id = user_key_id(key);
      if (!id)
        node.fail("config.invalid",
                  "expected a key \"tg:<user id>\" with a positive integer "
                  "user id (no leading zero), e.g. \"tg:123456789\"");
      auto entry = node.object();
      user_permission user;
      if (auto t = entry.require("tier", "give READ_ONLY, WRITE_SAFE or "
                                         "FULL_ACCESS"))
        user.tier = read_tier(*t);
      if (entry.find("rateLimit")) {
        rate_limit limit = per_user;
        read_rate_limit(entry.object("rateLimit"), limit);
        user.limit = limit;
      }
      entry.finish();
      out.users[*id] = user;
    }
  }
  in.finish();
}

void read_audit(json_object in, audit_settings& out, const read_context& ctx) {
  in.read("enabled", out.enabled);
  if (auto file = in.find("logFile"))
    out.log_file = resolve_path(*file, ctx);
  in.finish();
  if (out.log_file.empty())
    out.log_file = ctx.data_dir / "audit.log";
}

void read_totp(json_object in, totp_settings& out, const read_context& ctx) {
  in.read("sessionTtlMinutes", out.session_ttl_minutes, 1, 10080);
  in.read("allowSkip", out.allow_skip);
  in.finish();
  out.socket_path = resolve_totp_socket(ctx.env, ctx.data_dir);
}

void read_observer(json_object in, observer_settings& out) {
  in.read("enabled", out.enabled);
  if (auto model = in.find("model"))
    out.model = model->string();
  in.read("maxLatencyMs", out.max_latency_ms, 100, 120000);
  in.read("dangerThreshold", out.danger_threshold, 0.0, 1.0);
  if (auto fallback = in.find("fallbackOnTimeout"))
    out.fallback_on_timeout = fallback->choice<observer_fallback>(
      {{"block", observer_fallback::block},
       {"allow", observer_fallback::allow},
       {"approve", observer_fallback::approve}});
  auto breaker = in.object("circuitBreaker");
  breaker.read("failureThreshold", out.circuit_breaker.failure_threshold, 1,
               1000);
  breaker.read("resetMs", out.circuit_breaker.reset_ms, 100, 3600000);
  breaker.finish();
  in.finish();
}

} // namespace

namespace {

const std::vector<std::string_view> profile_names{"simple", "strict", "test"};

void check_test_profile(security_profile profile, const environment& env,
                        const std::string& source) {
  if (profile != security_profile::test)
    return;
  if (env.get(std::string{test_profile_variable}) == "1")
    return;
  throw user_error("config.invalid",
                   source + ": the \"test\" profile turns every security "
                            "check off; set "
                     + std::string{test_profile_variable}
                     + "=1 to allow it (never on a real bot)");
}

security_profile profile_named(std::string_view name) {
  if (name == "strict")
    return security_profile::strict;
  if (name == "test")
    return security_profile::test;
  return security_profile::simple;
}

} // namespace

void select_profile(settings& s, std::string_view name,
                    const environment& env, const std::string& source) {
  if (std::find(profile_names.begin(), profile_names.end(), name)
      == profile_names.end())
    throw user_error("config.range",
                     source + ": "
                       + expected_one_of(profile_names, name,
                                         "\"" + std::string{name} + "\""));
  auto profile = profile_named(name);
  check_test_profile(profile, env, source);
  s.security.profile = profile;
}

void read_security(json_object in, security_settings& out,
                   const read_context& ctx) {
  // Taking every part first reports a misspelt key as such, before the
  // rules of the parts that are present.
  auto profile = in.find("profile");
  auto secret_filter = in.object("secretFilter");
  auto permissions = in.object("permissions");
  auto rate_limits = in.object("rateLimits");
  auto audit = in.object("audit");
  auto totp = in.object("totp");
  auto observer = in.object("observer");
  in.finish();

  if (profile)
    out.profile = profile_named(profile->one_of(profile_names));
  read_secret_filter(std::move(secret_filter), out.secret_filter);
  // rateLimits first: a user's partial rateLimit starts from perUser.
  read_rate_limits(std::move(rate_limits), out.rate_limits);
  read_permissions(std::move(permissions), out.permissions,
                   out.rate_limits.per_user);
  read_audit(std::move(audit), out.audit, ctx);
  read_totp(std::move(totp), out.totp, ctx);
  read_observer(std::move(observer), out.observer);
  check_test_profile(out.profile, ctx.env, in.child_path("profile"));
}

} // namespace telclaude::config
