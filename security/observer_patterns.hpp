#pragma once

// The security observer's fast-path patterns: THE reviewed list. Every
// entry has positives and negatives in tests/security/fast_path_test.cpp;
// a change here needs a change there (the test checks every id is
// covered). Hyperscan syntax, matched caseless on the whole message.
//
// How they combine (security/fast_path.cpp): any BLOCK wins, then any
// WARN; an ALLOW only counts when no `ask_model` pattern matched too
// (a question that also asks to change something is not "plainly safe").
// Nothing matched: undecided, the model is asked.

#include <array>
#include <string_view>

namespace telclaude::security {

/// What a fast-path pattern says when it matches.
enum class fast_rule { allow, warn, block, ask_model };

/// One reviewed pattern.
struct observer_pattern {
  std::string_view id;
  std::string_view regex;
  fast_rule rule;
  std::string_view reason;
};

inline constexpr std::array observer_patterns{
  // ---- BLOCK: plainly dangerous shapes ----
  observer_pattern{
    "destructive_rm",
    R"(\brm\s+((-[a-z]+|--[a-z-]+)\s+)*(-[a-z]*r[a-z]*|--recursive)\s+)"
    R"(((-[a-z]+|--[a-z-]+)\s+)*("|')?(/|~|\*|\$home\b|\.\s*$|\.\.))",
    fast_rule::block, "recursive delete of a broad or absolute path"},
  observer_pattern{
    "rm_no_preserve_root", R"(--no-preserve-root\b)", fast_rule::block,
    "delete with --no-preserve-root"},
  observer_pattern{
    "disk_wipe",
    R"(\bmkfs(\.[a-z0-9]+)?\s|\bdd\s[^\n]*\bof=/dev/(sd|hd|vd|xvd|nvme|mmc))"
    R"(|\bshred\s[^\n]*/dev/|>\s*/dev/(sd|nvme)[a-z0-9]*\b)",
    fast_rule::block, "writes over a disk or file system"},
  observer_pattern{
    "fork_bomb", R"(:\s*\(\s*\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:)",
    fast_rule::block, "fork bomb"},
  observer_pattern{
    "pipe_to_shell",
    R"(\b(curl|wget|fetch)\b[^\n|]*\|\s*(sudo\s+)?)"
    R"(((ba|z|da|k|fi)?sh|python[0-9.]*|perl|ruby|node)\b)",
    fast_rule::block, "pipes a download into an interpreter"},
  observer_pattern{
    "reverse_shell",
    R"(/dev/tcp/|\b(nc|ncat|netcat)\b[^\n]*\s-[a-z]*e\s|\bsh\s+-i\s*[0-9]?>&)",
    fast_rule::block, "reverse shell"},
  observer_pattern{
    "credential_file",
    R"(\.ssh/(id_[a-z0-9_]+|authorized_keys|known_hosts)\b|\.aws/credentials)"
    R"(|/etc/(shadow|gshadow|sudoers)\b|\.netrc\b|\.gnupg/|\.kube/config\b)"
    R"(|\.docker/config\.json|\.git-credentials\b|\.pgpass\b)",
    fast_rule::block, "touches a credential file"},
  observer_pattern{
    "bot_token_request",
    R"(telegram_bot_token|\b(show|print|give|send|tell|reveal|dump|leak|read)"
    R"(|cat|echo|display|output|share|paste|what\s+is|what's)\b[^\n]{0,60})"
    R"(\b(bot|telegram)[\s_-]*(api[\s_-]*)?token\b)",
    fast_rule::block, "asks for the bot token"},
  observer_pattern{
    "totp_secret_request",
    R"(\b(totp|2fa|otp|mfa|authenticator)[\s_-]*(secret|seed|vault|key)s?\b)"
    R"(|\btotp\.sock\b|\bsecrets\.enc\b)",
    fast_rule::block, "asks for TOTP secrets"},
  observer_pattern{
    "injection_override",
    R"(\b(ignore|disregard|forget|override|bypass)\b[^\n]{0,30})"
    R"(\b(previous|prior|above|earlier|preceding|system|security|all\s+your))"
    R"(\b[^\n]{0,20}\b(instructions?|prompts?|rules?|directions?)"
    R"(|guidelines?|checks?)\b)",
    fast_rule::block, "prompt-injection marker (ignore the instructions)"},
  observer_pattern{
    "injection_role",
    R"(\bjailbreak|\bdeveloper\s+mode\b|\bdo\s+anything\s+now\b)"
    R"(|\byou\s+are\s+(now\s+)?(dan|unrestricted|unfiltered)\b)"
    R"(|\bno\s+(longer\s+)?(any\s+)?(restrictions|rules|filters)\b)",
    fast_rule::block, "prompt-injection marker (role override)"},
  observer_pattern{
    "classifier_forgery",
    R"("?classification"?\s*:|</?user_message\b)"
    R"(|\bclassif(y|ied|ication)\b[^\n]{0,40}\ballow\b)",
    fast_rule::block, "addresses or imitates the security classifier"},

  // ---- WARN: risky, a human may want to look ----
  observer_pattern{
    "paste_site",
    R"(\b(pastebin\.com|paste\.ee|hastebin|ghostbin|transfer\.sh|0x0\.st)"
    R"(|termbin\.com|dpaste|ix\.io|requestbin|webhook\.site|ngrok\.io)"
    R"(|pipedream\.net|interact\.sh)\b)",
    fast_rule::warn, "names a paste or request-capture site (exfiltration)"},
  observer_pattern{
    "raw_ip_transfer",
    R"(\b(curl|wget|nc|ncat|netcat|scp|rsync|socat|ftp|sftp|ssh)\b[^\n]*)"
    R"(\b[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\b)",
    fast_rule::warn, "network transfer to a raw IP address"},
  observer_pattern{
    "secret_env",
    R"((cat|less|more|head|tail|print|show|read|open|dump)[^\n]{0,40})"
    R"((\.env\b|\bprintenv\b|/proc/[^\s]*/environ\b)|\bprintenv\b)"
    R"(|\benv\s*\|)",
    fast_rule::warn, "reads environment secrets"},
  observer_pattern{
    "privilege",
    R"(\bsudo\s|\bsu\s+-|\bchmod\s+(-r\s+)?[0-7]?777\b|\bchown\s+-r\s+root)"
    R"(|\bsetuid\b|\bchmod\s+[ugo]*\+s\b)",
    fast_rule::warn, "raises privileges or opens permissions"},
  observer_pattern{
    "history_rewrite",
    R"(\bgit\s+push\b[^\n]*(\s--force\b|\s-f\b|\s--force-with-lease\b))"
    R"(|\bgit\s+reset\s+--hard\b|\bgit\s+clean\s+-[a-z]*f)",
    fast_rule::warn, "rewrites or discards git history"},
  observer_pattern{
    "sql_destroy",
    R"(\bdrop\s+(table|database|schema)\b|\btruncate\s+table\b)",
    fast_rule::warn, "destroys database tables"},

  // ---- ALLOW: plainly safe, single-line questions and reading ----
  observer_pattern{
    "question",
    R"(^\s*(what|why|how|when|where|which|who|is|are|does|do|can\s+you)"
    R"(\s+explain|could\s+you\s+explain|explain|describe|summari[sz]e)"
    R"(|tell\s+me\s+about)\b[^\n]{0,300}$)",
    fast_rule::allow, "a question"},
  observer_pattern{
    "read_request",
    R"(^\s*(show|read|display|view|list|find|search|grep|look\s+at)"
    R"(|review)\b[^\n]{0,200}$)",
    fast_rule::allow, "a request to read or look"},
  observer_pattern{
    "greeting",
    R"(^\s*(hi|hello|hey|thanks|thank\s+you|good\s+(morning|evening))\b)"
    R"([^\n]{0,40}$)",
    fast_rule::allow, "a greeting"},
  observer_pattern{
    "control_command",
    R"(^/(approve|deny|link|unlink|whoami|new|reset|stop|status|setup-2fa)"
    R"(|verify-2fa|disable-2fa|2fa-logout|skip-totp)(@[a-z0-9_]+)?)"
    R"((\s+[a-z0-9-]{1,64})?\s*$)",
    fast_rule::allow, "a relay control command"},

  // ---- ask_model: withdraws an ALLOW; the model decides ----
  observer_pattern{
    "changes_something",
    R"(\b(delete|remove|rm|erase|wipe|drop|truncate|overwrite|write|edit)"
    R"(|modify|change|create|install|uninstall|run|execute|exec|eval|push)"
    R"(|commit|merge|deploy|kill|chmod|chown|mv|move|rename|send|upload)"
    R"(|post|download|curl|wget|replace|update|patch|format|reset|revert)"
    R"(|ssh|scp|token|password|secret|credential|key)s?\b)",
    fast_rule::ask_model, "asks to change, run or send something"},
  observer_pattern{
    "shell_syntax", R"([;&|`<>]|\$\(|\$\{)", fast_rule::ask_model,
    "shell syntax"},
};

} // namespace telclaude::security
