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
          max_len, value_check::none, {}};
}

/// A keyword assignment: Hyperscan scans only `keywords` (case variants:
/// caseless literal sets cost twice as much), the rest is parsed by hand.
/// A keyword that ends in another one of the same pattern (`auth_token`
/// in `token`, `clientSecret` in `Secret`) is left out: it would only
/// repeat a match end the shorter one reports anyway.
constexpr core_pattern keyed(std::string_view id, std::string_view family,
                             std::string_view regex,
                             std::string_view keywords, extent kind,
                             std::uint16_t min_value, std::uint16_t fwd,
                             value_check check,
                             std::span<const probe_step> tail = {}) {
  return {id, family, regex, keywords, true, kind, min_value, 0, fwd,
          short_cap, check, tail};
}

/// A token whose literal start Hyperscan finds (`trigger`, a pure literal
/// or a literal alternation, at most with a leading `\b`) and whose rest
/// (`tail`) is checked by hand: literal-only databases scan ~1.5x faster
/// and keep ~1/3 of the stream state.
constexpr core_pattern probed(std::string_view id, std::string_view family,
                              std::string_view regex,
                              std::string_view trigger,
                              std::span<const probe_step> tail, extent kind,
                              std::uint16_t value_len, std::uint16_t back,
                              std::uint16_t fwd, std::uint32_t max_len) {
  return {id, family, regex, trigger, false, kind, value_len, back, fwd,
          max_len, value_check::none, tail};
}

constexpr probe_step run(std::string_view set, std::uint16_t min,
                         std::uint16_t max, bool negate = false) {
  return {step_kind::run, make_byte_set(set, negate), min, max, {}, {},
          false};
}
constexpr probe_step run(std::string_view set, std::uint16_t n) {
  return run(set, n, n);
}
constexpr probe_step text(std::string_view t) {
  return {step_kind::text, {}, 0, 0, t, {}, false};
}
constexpr probe_step pem(std::string_view label_set, bool block) {
  return {step_kind::pem_label, make_byte_set(label_set), 0, 0, {}, {},
          block};
}

constexpr std::string_view b64url_set = "A-Za-z0-9_-";
constexpr std::string_view alnum_set = "A-Za-z0-9";

constexpr probe_step telegram_tail[] = {run(b64url_set, 33)};
constexpr probe_step anthropic_tail[] = {run("0-9", 2), text("-"),
                                         run(b64url_set, 20)};
constexpr probe_step openai_classic_tail[] = {
  run(alnum_set, 20), text("T3BlbkFJ"), run(alnum_set, 20)};
constexpr probe_step openai_48_tail[] = {run(alnum_set, 48)};
constexpr probe_step b64url_20_tail[] = {run(b64url_set, 20)};
constexpr probe_step aws_id_tail[] = {run("0-9A-Z", 16)};
constexpr probe_step alnum_36_tail[] = {run(alnum_set, 36)};
constexpr probe_step github_pat_tail[] = {run("A-Za-z0-9_", 82)};
constexpr probe_step slack_tail[] = {run("A-Za-z0-9-", 10)};
constexpr probe_step webhook_tail[] = {run("A-Za-z0-9_/-", 20)};
constexpr probe_step alnum_20_tail[] = {run(alnum_set, 20)};
constexpr probe_step google_tail[] = {run(b64url_set, 35)};
constexpr probe_step gcp_tail[] = {run("\\s", 0, 3), text(":"),
                                   run("\\s", 0, 3), text("\"-----BEGIN"),
                                   pem("A-Z ", false), text("-----")};
constexpr probe_step pem_tail[] = {pem("A-Z0-9 ", true), text("-----")};
constexpr probe_step jwt_tail[] = {run(b64url_set, 16)};
constexpr probe_step sendgrid_tail[] = {run(b64url_set, 22), text("."),
                                        run(b64url_set, 43)};
constexpr probe_step twilio_key_tail[] = {run("0-9a-fA-F", 32)};
constexpr probe_step azure_tail[] = {run("A-Za-z0-9+/", 20)};
constexpr probe_step url_password_tail[] = {
  run("\\s:@/", 0, 64, true), text(":"), run("\\s@/", 1, 128, true),
  text("@")};
constexpr std::string_view totp_words[] = {"secret", "SECRET", "Secret",
                                           "seed",   "SEED",   "Seed",
                                           "key",    "KEY",    "Key"};
constexpr probe_step totp_tail[] = {
  run("_-", 0, 1), {step_kind::words, {}, 0, 0, {}, totp_words, false}};

// `regex` uses only syntax that Hyperscan and ECMAScript std::regex share
// (the std::regex baseline compiles it; `caseless` is its icase flag). No
// Hyperscan expression ends in an assertion (`\b`, `$`): such matches would
// arrive one write late.
constexpr std::array<core_pattern, 30> table{{
  probed("telegram-bot-token", "Telegram bot token",
         R"([0-9]{8,10}:AA[A-Za-z0-9_-]{33})", R"([0-9]{8}:AA)",
         telegram_tail, extent::token, 0, alpha::telegram, b64url,
         short_cap),
  probed("anthropic-api-key", "Anthropic API key",
         R"(sk-ant-(?:api|admin|oat|sid)[0-9]{2}-[A-Za-z0-9_-]{20})",
         R"(sk-ant-(?:api|admin|oat|sid))", anthropic_tail, extent::token, 0,
         b64url, b64url, short_cap),
  probed("openai-api-key", "OpenAI API key (classic)",
         R"(\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})", R"(\bsk-)",
         openai_classic_tail, extent::value, 51, 0, alnum, short_cap),
  probed("openai-api-key", "OpenAI API key (classic, 48)",
         R"(\bsk-[A-Za-z0-9]{48})", R"(\bsk-)", openai_48_tail,
         extent::value, 51, 0, alnum, short_cap),
  probed("openai-project-key", "OpenAI project/service key",
         R"(\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20})",
         R"(\bsk-(?:proj|svcacct|admin)-)", b64url_20_tail, extent::token, 0,
         b64url, b64url, short_cap),
  probed("aws-access-key-id", "AWS access key id",
         R"(\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})",
         R"(\b(?:AKIA|ASIA|ABIA|ACCA))", aws_id_tail, extent::value, 20, 0,
         alpha::upper_digit, short_cap),
  keyed("aws-secret-access-key", "AWS secret access key",
        R"((?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["']?\s{0,3}[:=>]{1,2}\s{0,3}["']?[A-Za-z0-9/+]{40})",
        R"((?:aws_?secret_?(?:access_?)?key|AWS_?SECRET_?(?:ACCESS_?)?KEY|[Ss]ecret_?[Aa]ccess_?[Kk]ey))",
        extent::assignment, 40, b64, value_check::none),
  probed("github-token", "GitHub token (ghp_ gho_ ghu_ ghs_ ghr_)",
         R"(\bgh[pousr]_[A-Za-z0-9]{36})", R"(\bgh[pousr]_)", alnum_36_tail,
         extent::value, 40, 0, alnum, short_cap),
  probed("github-token", "GitHub fine-grained token (github_pat_)",
         R"(\bgithub_pat_[A-Za-z0-9_]{82})", R"(\bgithub_pat_)",
         github_pat_tail, extent::value, 93, 0, alpha::word, short_cap),
  probed("gitlab-token", "GitLab token",
         R"(\bgl(?:pat|dt|rt|ptt|cbt|soat|ft|imt|oas)-[A-Za-z0-9_-]{20})",
         R"(\bgl(?:pat|dt|rt|ptt|cbt|soat|ft|imt|oas)-)", b64url_20_tail,
         extent::token, 0, b64url, b64url, short_cap),
  probed("slack-token", "Slack token", R"(\bxox[abposr]-[A-Za-z0-9-]{10})",
         R"(\bxox[abposr]-)", slack_tail, extent::token, 0, b64url, b64url,
         short_cap),
  probed("slack-webhook", "Slack webhook URL",
         R"(hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]{20})",
         R"(hooks\.slack\.com/(?:services|workflows|triggers)/)",
         webhook_tail, extent::token, 0, alpha::url, alpha::url, short_cap),
  probed("stripe-secret-key", "Stripe secret/restricted key",
         R"(\b[sr]k_(?:live|test)_[A-Za-z0-9]{20})",
         R"(\b[sr]k_(?:live|test)_)", alnum_20_tail, extent::value, 28, 0,
         alnum, short_cap),
  probed("google-api-key", "Google API key", R"(\bAIza[0-9A-Za-z_-]{35})",
         R"(\bAIza)", google_tail, extent::value, 39, 0, b64url, short_cap),
  probed("gcp-service-account-key",
         "Google service-account private key (JSON)",
         R"("private_key"\s{0,3}:\s{0,3}"-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----)",
         R"("private_key")", gcp_tail, extent::block, 0, 0, 0, long_cap),
  probed("private-key", "PEM private key block",
         R"(-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)",
         R"(-----BEGIN)", pem_tail, extent::block, 0, 0, 0, long_cap),
  probed("private-key", "PEM private key end marker",
         R"(-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)",
         R"(-----END)", pem_tail, extent::block_end, 0, 0, 0, 0),
  probed("jwt", "JSON Web Token", R"(\beyJ[A-Za-z0-9_-]{16})", R"(\beyJ)",
         jwt_tail, extent::token, 0, alpha::jwt, alpha::jwt, long_cap),
  probed("npm-token", "npm token", R"(\bnpm_[A-Za-z0-9]{36})", R"(\bnpm_)",
         alnum_36_tail, extent::value, 40, 0, alnum, short_cap),
  probed("pypi-token", "PyPI token",
         R"(\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{20})",
         R"(\bpypi-AgEIcHlwaS5vcmc)", b64url_20_tail, extent::value, 40, 0,
         b64url, short_cap),
  probed("sendgrid-api-key", "SendGrid API key",
         R"(\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})", R"(\bSG\.)",
         sendgrid_tail, extent::value, 69, 0, b64url, short_cap),
  probed("twilio-api-key", "Twilio API key", R"(\bSK[0-9a-fA-F]{32})",
         R"(\bSK)", twilio_key_tail, extent::value, 34, 0, alnum, short_cap),
  keyed("twilio-auth-token", "Twilio auth token",
        R"(twilio_?auth_?token["']?\s{0,3}[:=]\s{0,3}["']?[0-9a-f]{32})",
        R"((?:twilio|TWILIO|Twilio)_?(?:auth|AUTH|Auth)_?(?:token|TOKEN|Token))",
        extent::assignment, 32, alnum, value_check::none),
  {"discord-bot-token", "Discord bot token",
   R"(\b[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27})", "",
   false, extent::dotted, 0, 0, alpha::jwt, short_cap, value_check::none},
  probed("azure-storage-key", "Azure storage account key",
         R"(AccountKey=[A-Za-z0-9+/]{20})", R"(AccountKey=)", azure_tail,
         extent::value, 20, 0, b64, short_cap),
  probed("connection-url-password", "Connection URL with password",
         R"(://[^\s:@/]{0,64}:[^\s@/]{1,128}@)", R"(://)",
         url_password_tail, extent::url_password, 0, 0, 0, short_cap),
  direct("otpauth-uri", "otpauth:// URI", R"(otpauth://(?:totp|hotp)/)",
         extent::value, 15, 0, alpha::url, short_cap),
  keyed("totp-seed", "TOTP seed",
        R"((?:totp|mfa|2fa|authenticator)[_-]?(?:secret|seed|key)["']?\s{0,3}[:=]\s{0,3}["']?[A-Z2-7]{16})",
        R"((?:totp|TOTP|Totp|mfa|MFA|2fa|2FA|authenticator|AUTHENTICATOR))",
        extent::assignment, 16, alpha::base32, value_check::none, totp_tail),
  keyed("generic-secret", "password= / secret= / api_key= / token: assignment",
        R"((?:password|passwd|passphrase|secret|api[_-]?key|apikey|access[_-]?key|auth[_-]?token|access[_-]?token|refresh[_-]?token|token|private[_-]?key)["']?\s{0,3}(?::|=|:=|=>)\s{0,3}["']?[^\s"'`=>]{8})",
        R"((?:password|PASSWORD|Password|passwd|PASSWD|passphrase|PASSPHRASE|secret|SECRET|Secret|api_?key|API_?KEY|apiKey|ApiKey|api-key|access_?key|ACCESS_?KEY|accessKey|token|TOKEN|Token|private_?key|PRIVATE_?KEY|privateKey))",
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
  std::uint64_t seen[4] = {};
  int distinct = 0;
  for (char c : v) {
    const auto b = static_cast<unsigned char>(c);
    digit |= b >= '0' && b <= '9';
    lower |= b >= 'a' && b <= 'z';
    upper |= b >= 'A' && b <= 'Z';
    // `.`, `_` and `-` are what identifiers and dotted names are made of.
    symbol |= !in_alphabet(alpha::alnum, c) && b != '.' && b != '_' &&
              b != '-';
    const std::uint64_t bit = std::uint64_t{1} << (b & 63);
    distinct += (seen[b >> 6] & bit) == 0 ? 1 : 0;
    seen[b >> 6] |= bit;
    // Every condition below only becomes true as bytes are added: once
    // the value passes, the rest cannot change the answer.
    if (distinct >= 6 && (symbol || (digit && (lower || upper)))) {
      return true;
    }
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
