#include "security/core_patterns.hpp"

#include "security/char_class.hpp"

#include <array>
#include <cmath>

namespace telclaude::security {

namespace {

constexpr std::uint32_t short_cap = 512;
constexpr std::uint32_t long_cap = 16384;

using alpha::alnum;
using alpha::b64;
using alpha::b64url;

/// A pattern Hyperscan scans as written.
constexpr core_pattern direct(std::string_view id, std::string_view family,
                              std::string_view regex, extent kind,
                              std::uint16_t value_len, std::uint16_t back,
                              std::uint16_t fwd, std::uint32_t max_len) {
  return {id, family, regex, regex, false, kind, value_len, back, fwd,
          max_len, value_check::none};
}

/// A keyword assignment: Hyperscan scans only `keywords` (case variants:
/// caseless literal sets cost twice as much), the rest is parsed by hand.
constexpr core_pattern keyed(std::string_view id, std::string_view family,
                             std::string_view regex,
                             std::string_view keywords, extent kind,
                             std::uint16_t min_value, std::uint16_t fwd,
                             value_check check) {
  return {id, family, regex, keywords, true, kind, min_value, 0, fwd,
          short_cap, check};
}

// `regex` uses only syntax that Hyperscan and ECMAScript std::regex share
// (the std::regex baseline compiles it; `caseless` is its icase flag). No
// Hyperscan expression ends in an assertion (`\b`, `$`): such matches would
// arrive one write late.
constexpr std::array<core_pattern, 30> table{{
  direct("telegram-bot-token", "Telegram bot token",
         R"([0-9]{8,10}:AA[A-Za-z0-9_-]{33})", extent::token, 0,
         alpha::telegram, b64url, short_cap),
  direct("anthropic-api-key", "Anthropic API key",
         R"(sk-ant-(?:api|admin|oat|sid)[0-9]{2}-[A-Za-z0-9_-]{20})",
         extent::token, 0, b64url, b64url, short_cap),
  direct("openai-api-key", "OpenAI API key (classic)",
         R"(\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})", extent::value, 51,
         0, alnum, short_cap),
  direct("openai-api-key", "OpenAI API key (classic, 48)",
         R"(\bsk-[A-Za-z0-9]{48})", extent::value, 51, 0, alnum, short_cap),
  direct("openai-project-key", "OpenAI project/service key",
         R"(\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20})", extent::token, 0,
         b64url, b64url, short_cap),
  direct("aws-access-key-id", "AWS access key id",
         R"(\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})", extent::value, 20, 0,
         alpha::upper_digit, short_cap),
  keyed("aws-secret-access-key", "AWS secret access key",
        R"((?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["']?\s{0,3}[:=>]{1,2}\s{0,3}["']?[A-Za-z0-9/+]{40})",
        R"((?:aws_?secret_?(?:access_?)?key|AWS_?SECRET_?(?:ACCESS_?)?KEY|[Ss]ecret_?[Aa]ccess_?[Kk]ey))",
        extent::assignment, 40, b64, value_check::none),
  direct("github-token", "GitHub token (ghp_ gho_ ghu_ ghs_ ghr_)",
         R"(\bgh[pousr]_[A-Za-z0-9]{36})", extent::value, 40, 0, alnum,
         short_cap),
  direct("github-token", "GitHub fine-grained token (github_pat_)",
         R"(\bgithub_pat_[A-Za-z0-9_]{82})", extent::value, 93, 0,
         alpha::word, short_cap),
  direct("gitlab-token", "GitLab token",
         R"(\bgl(?:pat|dt|rt|ptt|cbt|soat|ft|imt|oas)-[A-Za-z0-9_-]{20})",
         extent::token, 0, b64url, b64url, short_cap),
  direct("slack-token", "Slack token", R"(\bxox[abposr]-[A-Za-z0-9-]{10})",
         extent::token, 0, b64url, b64url, short_cap),
  direct("slack-webhook", "Slack webhook URL",
         R"(hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]{20})",
         extent::token, 0, alpha::url, alpha::url, short_cap),
  direct("stripe-secret-key", "Stripe secret/restricted key",
         R"(\b[sr]k_(?:live|test)_[A-Za-z0-9]{20})", extent::value, 28, 0,
         alnum, short_cap),
  direct("google-api-key", "Google API key", R"(\bAIza[0-9A-Za-z_-]{35})",
         extent::value, 39, 0, b64url, short_cap),
  direct("gcp-service-account-key",
         "Google service-account private key (JSON)",
         R"("private_key"\s{0,3}:\s{0,3}"-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----)",
         extent::block, 0, 0, 0, long_cap),
  direct("private-key", "PEM private key block",
         R"(-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)",
         extent::block, 0, 0, 0, long_cap),
  direct("private-key", "PEM private key end marker",
         R"(-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)",
         extent::block_end, 0, 0, 0, 0),
  direct("jwt", "JSON Web Token", R"(\beyJ[A-Za-z0-9_-]{16})", extent::token,
         0, alpha::jwt, alpha::jwt, long_cap),
  direct("npm-token", "npm token", R"(\bnpm_[A-Za-z0-9]{36})", extent::value,
         40, 0, alnum, short_cap),
  direct("pypi-token", "PyPI token",
         R"(\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{20})", extent::value, 40, 0,
         b64url, short_cap),
  direct("sendgrid-api-key", "SendGrid API key",
         R"(\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})", extent::value, 69, 0,
         b64url, short_cap),
  direct("twilio-api-key", "Twilio API key", R"(\bSK[0-9a-fA-F]{32})",
         extent::value, 34, 0, alnum, short_cap),
  keyed("twilio-auth-token", "Twilio auth token",
        R"(twilio_?auth_?token["']?\s{0,3}[:=]\s{0,3}["']?[0-9a-f]{32})",
        R"((?:twilio|TWILIO|Twilio)_?(?:auth|AUTH|Auth)_?(?:token|TOKEN|Token))",
        extent::assignment, 32, alnum, value_check::none),
  {"discord-bot-token", "Discord bot token",
   R"(\b[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27})", "",
   false, extent::dotted, 0, 0, alpha::jwt, short_cap, value_check::none},
  direct("azure-storage-key", "Azure storage account key",
         R"(AccountKey=[A-Za-z0-9+/]{20})", extent::value, 20, 0, b64,
         short_cap),
  direct("connection-url-password", "Connection URL with password",
         R"(://[^\s:@/]{0,64}:[^\s@/]{1,128}@)", extent::url_password, 0, 0,
         0, short_cap),
  direct("otpauth-uri", "otpauth:// URI", R"(otpauth://(?:totp|hotp)/)",
         extent::value, 15, 0, alpha::url, short_cap),
  keyed("totp-seed", "TOTP seed",
        R"((?:totp|mfa|2fa|authenticator)[_-]?(?:secret|seed|key)["']?\s{0,3}[:=]\s{0,3}["']?[A-Z2-7]{16})",
        R"((?:totp|TOTP|Totp|mfa|MFA|2fa|2FA|authenticator|AUTHENTICATOR)[_-]?(?:secret|SECRET|Secret|seed|SEED|Seed|key|KEY|Key))",
        extent::assignment, 16, alpha::base32, value_check::none),
  keyed("generic-secret", "password= / secret= / api_key= / token: assignment",
        R"((?:password|passwd|passphrase|secret|api[_-]?key|apikey|access[_-]?key|auth[_-]?token|access[_-]?token|refresh[_-]?token|token|private[_-]?key)["']?\s{0,3}(?::|=|:=|=>)\s{0,3}["']?[^\s"'`=>]{8})",
        R"((?:password|PASSWORD|Password|passwd|PASSWD|passphrase|PASSPHRASE|secret|SECRET|Secret|api_?key|API_?KEY|apiKey|ApiKey|api-key|access_?key|ACCESS_?KEY|accessKey|auth_?token|AUTH_?TOKEN|authToken|access_?token|ACCESS_?TOKEN|accessToken|refresh_?token|REFRESH_?TOKEN|refreshToken|token|TOKEN|Token|private_?key|PRIVATE_?KEY|privateKey|clientSecret))",
        extent::assignment, 8, alpha::value, value_check::assignment),
  keyed("bearer-token", "Authorization: Bearer credential",
        R"(\bbearer\s{1,3}[A-Za-z0-9._~+/-]{8})", R"((?:Bearer|bearer|BEARER))",
        extent::spaced, 8, alpha::value, value_check::assignment),
}};

bool is_path_or_url(std::string_view v) {
  return v.starts_with('/') || v.starts_with("./") || v.starts_with("../") ||
         v.starts_with("~/") || v.starts_with('$') || v.starts_with('%') ||
         v.find("://") != std::string_view::npos;
}

} // namespace

std::span<const core_pattern> core_patterns() {
  return table;
}

bool plausible_assignment_value(std::string_view v) {
  if (v.size() < 8 || is_path_or_url(v)) {
    return false;
  }
  bool digit = false;
  bool symbol = false;
  bool lower = false;
  bool upper = false;
  std::array<std::uint8_t, 256> seen{};
  int distinct = 0;
  for (char c : v) {
    const auto b = static_cast<unsigned char>(c);
    digit |= b >= '0' && b <= '9';
    lower |= b >= 'a' && b <= 'z';
    upper |= b >= 'A' && b <= 'Z';
    // `.`, `_` and `-` are what identifiers and dotted names are made of.
    symbol |= !in_alphabet(alpha::alnum, c) && b != '.' && b != '_' &&
              b != '-';
    distinct += seen[b] == 0 ? 1 : 0;
    seen[b] = 1;
  }
  // Identifiers and placeholders (`os.environ`, `YOUR_API_KEY`,
  // `changeme`) have no digits or symbols; bare numbers are counts.
  if (!digit && !symbol) {
    return false;
  }
  if (digit && !symbol && !lower && !upper) {
    return false;
  }
  return distinct >= 6;
}

} // namespace telclaude::security
