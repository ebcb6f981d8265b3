#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "totp/rfc6238.hpp"

namespace telclaude::totp {

/// The AES-256-GCM key that encrypts the secrets file.
using vault_key = std::array<std::uint8_t, 32>;

/// One user's TOTP secret as stored.
struct enrollment {
  std::int64_t user = 0;
  secret_bytes secret;
  /// False while set-up waits for its first valid code.
  bool enabled = false;
  /// The last time step whose code was accepted (replay protection).
  std::optional<std::uint64_t> last_step;

  friend bool operator==(const enrollment&, const enrollment&) = default;
};

/// `<data dir>/totp`, created (with the data dir) if missing and set to
/// mode 0700. Throws telclaude::user_error (`totp.io`).
std::filesystem::path prepare_totp_dir(const std::filesystem::path& data_dir);

/// The key: `env_key` (TOTP_ENCRYPTION_KEY, base64 of 32 bytes) when
/// given, else the key file `<totp dir>/key` (base64, mode 0600), created
/// with a random key when missing. Throws telclaude::user_error:
/// `totp.key` for a value that is not base64 of 32 bytes, `totp.key_file`
/// for a key file others can read or that cannot be read or created.
vault_key load_or_create_key(const std::optional<std::string>& env_key,
                             const std::filesystem::path& totp_dir);

/// The enrollments in `file`; none when it does not exist. Throws
/// telclaude::user_error: `totp.key` when the file was written with
/// another key, `totp.tampered` when it is not a vault file of this
/// version or fails authentication (altered, truncated), `totp.io` when
/// it cannot be read.
std::vector<enrollment> load_vault(const std::filesystem::path& file,
                                   const vault_key& key);

/// Writes `entries` to `file` atomically (temp file, fsync, rename, fsync
/// of the directory), mode 0600, with a fresh random nonce. Throws
/// telclaude::user_error (`totp.io`); the old file is then untouched.
void save_vault(const std::filesystem::path& file, const vault_key& key,
                const std::vector<enrollment>& entries);

/// The daemon's vault at start: its file, key and enrollments.
struct opened_vault {
  std::filesystem::path file;
  vault_key key{};
  std::vector<enrollment> entries;
};

/// Prepares `<data dir>/totp`, gets the key (load_or_create_key) and loads
/// `secrets.bin`. A key file is never created next to an existing secrets
/// file: that would only hide which key is missing (`totp.key`).
opened_vault open_vault(const std::filesystem::path& data_dir,
                        const std::optional<std::string>& env_key);

} // namespace telclaude::totp
