#include "security/secret_examples.hpp"

#include <array>

namespace telclaude::security {

namespace a = alphabets;

std::string random_string(std::mt19937_64& rng, std::string_view alphabet,
                          std::size_t n) {
  std::string s(n, ' ');
  for (auto& c : s) {
    c = alphabet[rng() % alphabet.size()];
  }
  return s;
}

bool reveals_any(std::string_view out, const std::vector<std::string>& values,
                 std::size_t window) {
  for (const auto& v : values) {
    for (std::size_t i = 0; i + window <= v.size(); ++i) {
      if (out.find(std::string_view(v).substr(i, window)) !=
          std::string_view::npos) {
        return true;
      }
    }
  }
  return false;
}

namespace {

std::string base64_encode(std::string_view in, bool url) {
  const std::string_view table = url ? a::base64url : a::base64;
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) {
      v |= static_cast<unsigned char>(in[i + 1]) << 8;
    }
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    if (i + 1 < in.size()) {
      out += table[(v >> 6) & 63];
    }
  }
  return out;
}

/// Base64 lines of a PEM body (random bytes: the shape of a DER key).
std::string pem_body(std::mt19937_64& rng, std::size_t lines,
                     std::string_view newline) {
  std::string body;
  for (std::size_t i = 0; i < lines; ++i) {
    body += random_string(rng, a::base64, 64);
    body += newline;
  }
  return body;
}

secret_example pem(std::mt19937_64& rng, std::string_view kind,
                   std::string_view label) {
  const std::string head = "-----BEGIN " + std::string(kind) + "-----";
  const std::string tail = "-----END " + std::string(kind) + "-----";
  std::string body = pem_body(rng, 5, "\n");
  std::string extra;
  if (kind.find("PGP") != std::string_view::npos) {
    extra = "Version: GnuPG v2\n\n";
  }
  return {"PEM private key (" + std::string(label) + ")", "private-key",
          "$ cat key.pem\n" + head + "\n" + extra + body + "=" +
            random_string(rng, a::base64, 4) + "\n" + tail + "\n$ ",
          {body}};
}

std::string password(std::mt19937_64& rng) {
  // Mixed classes with a symbol, never ':' '@' '/' (URL syntax).
  return random_string(rng, a::base62, 10) + "!" +
         random_string(rng, a::digits, 2) + random_string(rng, "#%^*", 1) +
         random_string(rng, a::base62, 4);
}

} // namespace

std::vector<secret_example> make_secret_examples(std::mt19937_64& rng) {
  std::vector<secret_example> ex;
  auto add = [&](std::string family, std::string id, std::string text,
                 std::vector<std::string> values) {
    ex.push_back({std::move(family), std::move(id), std::move(text),
                  std::move(values)});
  };
  {
    const auto t = random_string(rng, a::digits, 9) + ":AA" +
                   random_string(rng, a::base64url, 33);
    add("Telegram bot token", "telegram-bot-token",
        "curl https://api.telegram.org/bot" + t + "/getMe", {t});
  }
  {
    const auto t = "sk-ant-api03-" + random_string(rng, a::base64url, 93) + "AA";
    add("Anthropic API key", "anthropic-api-key",
        "ANTHROPIC_API_KEY=" + t, {t.substr(13)});
  }
  {
    const auto t = "sk-" + random_string(rng, a::base62, 20) + "T3BlbkFJ" +
                   random_string(rng, a::base62, 20);
    add("OpenAI API key (classic)", "openai-api-key",
        "openai.api_key = \"" + t + "\"", {t.substr(3)});
  }
  {
    const auto t = "sk-proj-" + random_string(rng, a::base64url, 74) +
                   "T3BlbkFJ" + random_string(rng, a::base64url, 74);
    add("OpenAI project key", "openai-project-key",
        "export OPENAI_API_KEY=" + t, {t.substr(8)});
  }
  {
    const auto t = "AKIA" + random_string(rng, a::upper_digits, 16);
    add("AWS access key id", "aws-access-key-id",
        "aws_access_key_id = " + t, {t.substr(4)});
  }
  {
    const auto t = random_string(rng, a::base64, 40);
    add("AWS secret access key", "aws-secret-access-key",
        "aws_secret_access_key = " + t, {t});
  }
  {
    const std::array<std::string_view, 5> prefixes{"ghp_", "gho_", "ghu_",
                                                   "ghs_", "ghr_"};
    const auto t = std::string(prefixes[rng() % prefixes.size()]) +
                   random_string(rng, a::base62, 36);
    add("GitHub token", "github-token",
        "git clone https://x-access-token@github.com/o/r # token " + t,
        {t.substr(4)});
  }
  {
    const auto t = "github_pat_" + random_string(rng, a::base62, 22) + "_" +
                   random_string(rng, a::base62, 59);
    add("GitHub fine-grained token", "github-token", "GH_PAT: " + t, {t.substr(11)});
  }
  {
    const auto t = "glpat-" + random_string(rng, a::base64url, 20);
    add("GitLab token", "gitlab-token", "\"token\": \"" + t + "\"", {t.substr(6)});
  }
  {
    const auto t = "xoxb-" + random_string(rng, a::digits, 12) + "-" +
                   random_string(rng, a::digits, 13) + "-" +
                   random_string(rng, a::base62, 24);
    add("Slack token", "slack-token", "SLACK_BOT_TOKEN='" + t + "'", {t.substr(5)});
  }
  {
    const auto t = "https://hooks.slack.com/services/T" +
                   random_string(rng, a::upper_digits, 8) + "/B" +
                   random_string(rng, a::upper_digits, 10) + "/" +
                   random_string(rng, a::base62, 24);
    add("Slack webhook URL", "slack-webhook",
        "curl -X POST -d @msg.json " + t,
        {t.substr(t.find("services/") + 9)});
  }
  {
    const auto t = std::string(rng() % 2 ? "sk" : "rk") + "_live_" +
                   random_string(rng, a::base62, 24);
    add("Stripe secret/restricted key", "stripe-secret-key",
        "Stripe.api_key = '" + t + "';", {t.substr(8)});
  }
  {
    const auto t = "AIza" + random_string(rng, a::base64url, 35);
    add("Google API key", "google-api-key",
        "https://maps.googleapis.com/maps/api/js?key=" + t, {t.substr(4)});
  }
  {
    const auto body = pem_body(rng, 4, "\\n");
    add("Google service-account key (JSON)", "gcp-service-account-key",
        "{\n  \"type\": \"service_account\",\n  \"private_key_id\": \"" +
          random_string(rng, a::hex, 40) +
          "\",\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n" + body +
          "-----END PRIVATE KEY-----\\n\",\n  \"client_email\": "
          "\"bot@proj.iam.gserviceaccount.com\"\n}",
        {body});
  }
  ex.push_back(pem(rng, "RSA PRIVATE KEY", "RSA"));
  ex.push_back(pem(rng, "EC PRIVATE KEY", "EC"));
  ex.push_back(pem(rng, "DSA PRIVATE KEY", "DSA"));
  ex.push_back(pem(rng, "OPENSSH PRIVATE KEY", "OPENSSH"));
  ex.push_back(pem(rng, "PGP PRIVATE KEY BLOCK", "PGP"));
  ex.push_back(pem(rng, "PRIVATE KEY", "PKCS#8"));
  ex.push_back(pem(rng, "ENCRYPTED PRIVATE KEY", "encrypted PKCS#8"));
  {
    const auto payload = base64_encode(
      "{\"sub\":\"" + random_string(rng, a::digits, 10) +
        "\",\"name\":\"" + random_string(rng, a::base62, 12) +
        "\",\"iat\":" + random_string(rng, a::digits, 10) + "}",
      true);
    const auto t = base64_encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", true) +
                   "." + payload + "." + random_string(rng, a::base64url, 43);
    add("JSON Web Token", "jwt", "Authorization: Bearer " + t,
        {payload, t.substr(t.size() - 43)});
  }
  {
    const auto t = "npm_" + random_string(rng, a::base62, 36);
    add("npm token", "npm-token", "//registry.npmjs.org/:_authToken=" + t,
        {t.substr(4)});
  }
  {
    const auto t = "pypi-AgEIcHlwaS5vcmc" + random_string(rng, a::base64url, 70);
    add("PyPI token", "pypi-token", "password = " + t, {t.substr(20)});
  }
  {
    const auto t = "SG." + random_string(rng, a::base64url, 22) + "." +
                   random_string(rng, a::base64url, 43);
    add("SendGrid API key", "sendgrid-api-key", "SENDGRID_API_KEY=" + t, {t.substr(3)});
  }
  {
    const auto t = "SK" + random_string(rng, a::hex, 32);
    add("Twilio API key", "twilio-api-key", "twilio api:key " + t, {t.substr(2)});
  }
  {
    const auto t = random_string(rng, a::hex, 32);
    add("Twilio auth token", "twilio-auth-token",
        "TWILIO_AUTH_TOKEN=" + t, {t});
  }
  {
    const auto t = "M" + random_string(rng, a::base64url, 23) + "." +
                   random_string(rng, a::base64url, 6) + "." +
                   random_string(rng, a::base64url, 38);
    add("Discord bot token", "discord-bot-token",
        "client.login(\"" + t + "\")", {t.substr(1)});
  }
  {
    const auto t = random_string(rng, a::base64, 86) + "==";
    add("Azure storage account key", "azure-storage-key",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + t +
          ";EndpointSuffix=core.windows.net",
        {t});
  }
  {
    const auto t = password(rng);
    add("Connection URL with password", "connection-url-password",
        "DATABASE_URL=postgres://app:" + t + "@db.internal:5432/app", {t});
  }
  {
    const auto seed = random_string(rng, a::base32, 32);
    add("otpauth:// URI", "otpauth-uri",
        "otpauth://totp/Example:alice@example.com?secret=" + seed +
          "&issuer=Example",
        {seed});
  }
  {
    const auto seed = random_string(rng, a::base32, 32);
    add("TOTP seed", "totp-seed", "TOTP_SECRET=" + seed, {seed});
  }
  {
    const auto t = password(rng);
    add("password= assignment", "generic-secret",
        "db:\n  password: \"" + t + "\"\n", {t});
  }
  {
    const auto t = random_string(rng, a::base62, 24) + "-" +
                   random_string(rng, a::digits, 4);
    add("api_key= assignment", "generic-secret", "API_KEY=" + t, {t});
  }
  {
    const auto t = random_string(rng, a::base62, 40);
    add("High-entropy string", "high-entropy", "key material: " + t + "\n",
        {t});
  }
  return ex;
}

std::vector<std::string> make_negative_examples(std::mt19937_64& rng) {
  std::vector<std::string> neg{
    "commit " + random_string(rng, a::hex, 40) + "\nAuthor: Dev <dev@example.com>",
    "Merge: " + random_string(rng, a::hex, 7) + " " + random_string(rng, a::hex, 7),
    "id: " + random_string(rng, a::hex, 8) + "-" + random_string(rng, a::hex, 4) +
      "-4" + random_string(rng, a::hex, 3) + "-a" + random_string(rng, a::hex, 3) +
      "-" + random_string(rng, a::hex, 12),
    random_string(rng, a::hex, 64) + "  libhs-dev_5.4.0-1_amd64.deb",
    "sha1sum: " + random_string(rng, a::hex, 40),
    "md5 " + random_string(rng, a::hex, 32) + " file.tar.gz",
    "sha512=" + random_string(rng, a::hex, 128),
    "/usr/lib/x86_64-linux-gnu/libhyperscan.so.5 => /usr/lib/libhs.so.5",
    "/home/alice/projects/telclaude/build-security/security/redaction_engine",
    "See https://docs.example.com/guides/getting-started/installation?lang=en#linux",
    "https://github.com/intel/hyperscan/blob/master/src/runtime.c#L120",
    "void redaction_stream::advance_run_until_the_end_of_the_segment(bool)",
    "const auto someVeryLongFunctionNameForTestingPurposes = makeHandler();",
    "SOME_VERY_LONG_CONSTANT_NAME_FOR_CONFIGURATION_VALUES = 42",
    "password: required",
    "token = os.environ[\"GITHUB_TOKEN\"]",
    "secret = config.get_secret_value()",
    "api_key: ${{ secrets.API_KEY }}",
    "password = getPasswordFromEnvironment()",
    "PWD=/home/alice/projects/telclaude",
    "max_tokens=4096, \"input_tokens\": 1234, \"output_tokens\": 98",
    "The password is stored in the keychain; the token expires after 1 hour.",
    "pip install scikit-learn sk-video; npm i task-runner",
    "AKIA is the prefix of long-term AWS access keys.",
    "-----BEGIN CERTIFICATE----- is public; -----BEGIN PUBLIC KEY----- too",
    "eyJ is how base64 JSON starts",
    "ssh git@github.com:telclaude/telclaude.git",
    "postgres://localhost:5432/app and redis://cache:6379/0",
    "Bearer tokens are sent in the Authorization header.",
    "The quick brown fox jumps over the lazy dog 1234567890 times.",
    "ls -la /var/log/nginx/access.log.2024-01-15.gz",
    "docker pull ghcr.io/telclaude/relay:v1.2.3-rc.1",
  };
  return neg;
}

} // namespace telclaude::security
