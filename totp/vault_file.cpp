#include "totp/vault_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <system_error>

#include "core/error.hpp"

namespace telclaude::totp {

namespace fs = std::filesystem;

namespace {

// Layout: header (magic, version, key check) | nonce | ciphertext | tag.
// The header is the GCM additional data, so it is authenticated too.
constexpr std::string_view magic = "TCLTOTP";
constexpr std::uint8_t version = 1;
constexpr std::size_t check_size = 8;
constexpr std::size_t header_size = 8 + check_size;
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;

std::string system_reason(int err = errno) {
  return std::error_code{err, std::generic_category()}.message();
}

[[noreturn]] void io_error(const std::string& what, int err = errno) {
  throw user_error("totp.io", what + ": " + system_reason(err));
}

[[noreturn]] void tampered(const fs::path& file, const std::string& why) {
  throw user_error("totp.tampered",
                   "the TOTP secrets file " + file.string() + " " + why
                     + "; it was altered or damaged. Restore it from a "
                       "backup, or move it aside to start over (every user "
                       "then sets up 2FA again)");
}

/// Bytes that are wiped when they go away: plaintext and keys.
struct wiped : std::vector<std::uint8_t> {
  using std::vector<std::uint8_t>::vector;
  ~wiped() {
    OPENSSL_cleanse(data(), size());
  }
};

/// The first bytes of HMAC-SHA-256(key, label): tells a wrong key apart
/// from an altered file without revealing anything about the key.
std::array<std::uint8_t, check_size> key_check(const vault_key& key) {
  static constexpr std::string_view label = "telclaude totp key check";
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(label.data()), label.size(),
       mac.data(), &size);
  std::array<std::uint8_t, check_size> out{};
  std::memcpy(out.data(), mac.data(), out.size());
  return out;
}

std::array<std::uint8_t, header_size> header_for(const vault_key& key) {
  std::array<std::uint8_t, header_size> h{};
  std::memcpy(h.data(), magic.data(), magic.size());
  h[magic.size()] = version;
  auto check = key_check(key);
  std::memcpy(h.data() + 8, check.data(), check.size());
  return h;
}

void put_u64(wiped& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(v >> shift));
}

wiped serialize(const std::vector<enrollment>& entries) {
  wiped out;
  auto n = static_cast<std::uint32_t>(entries.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(n >> shift));
  for (const auto& e : entries) {
    put_u64(out, static_cast<std::uint64_t>(e.user));
    out.push_back(static_cast<std::uint8_t>((e.enabled ? 1 : 0)
                                            | (e.last_step ? 2 : 0)));
    put_u64(out, e.last_step.value_or(0));
    out.push_back(static_cast<std::uint8_t>(e.secret.size()));
    out.insert(out.end(), e.secret.begin(), e.secret.end());
  }
  return out;
}

/// Reads the plaintext; nullopt when it is not well-formed (which
/// authentication makes impossible short of a bug or a forged key).
std::optional<std::vector<enrollment>> deserialize(const wiped& in) {
  std::size_t at = 0;
  auto take = [&](std::size_t n) -> const std::uint8_t* {
    if (in.size() - at < n)
      return nullptr;
    auto p = in.data() + at;
    at += n;
    return p;
  };
  auto u64 = [](const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v = (v << 8) | p[i];
    return v;
  };
  auto count_bytes = take(4);
  if (!count_bytes)
    return std::nullopt;
  std::uint32_t count = 0;
  for (int i = 0; i < 4; ++i)
    count = (count << 8) | count_bytes[i];
  std::vector<enrollment> out;
  for (std::uint32_t i = 0; i < count; ++i) {
    auto fixed = take(8 + 1 + 8 + 1);
    if (!fixed)
      return std::nullopt;
    enrollment e;
    e.user = static_cast<std::int64_t>(u64(fixed));
    e.enabled = (fixed[8] & 1) != 0;
    if (fixed[8] & 2)
      e.last_step = u64(fixed + 9);
    auto secret = take(fixed[17]);
    if (!secret || e.user <= 0 || fixed[17] == 0)
      return std::nullopt;
    e.secret.assign(secret, secret + fixed[17]);
    out.push_back(std::move(e));
  }
  if (at != in.size())
    return std::nullopt;
  return out;
}

using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::string read_file(const fs::path& file, bool& missing) {
  missing = false;
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      missing = true;
      return {};
    }
    io_error("cannot open " + file.string());
  }
  std::string out;
  char buffer[4096];
  for (;;) {
    auto n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      io_error("cannot read " + file.string(), err);
    }
    if (n == 0)
      break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

void write_all(int fd, const std::uint8_t* data, std::size_t size,
               const fs::path& file) {
  while (size > 0) {
    auto n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      io_error("cannot write " + file.string());
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    io_error("cannot open directory " + dir.string());
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0)
    io_error("cannot sync directory " + dir.string(), err);
}

std::optional<vault_key> decode_key(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'
                           || text.back() == ' '))
    text.remove_suffix(1);
  // 32 bytes are 44 base64 characters ending in one '='.
  if (text.size() != 44 || text[43] != '=' || text[42] == '=')
    return std::nullopt;
  wiped raw(33);
  if (EVP_DecodeBlock(raw.data(),
                      reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()))
      != 33)
    return std::nullopt;
  vault_key key{};
  std::memcpy(key.data(), raw.data(), key.size());
  return key;
}

std::string encode_key(const vault_key& key) {
  std::string out(45, '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), key.data(),
                  static_cast<int>(key.size()));
  out.resize(44);
  return out;
}

vault_key create_key_file(const fs::path& file) {
  vault_key key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
    throw user_error("totp.key_file", "the system's random generator failed");
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw user_error("totp.key_file", "cannot create the TOTP key file "
                                        + file.string() + ": "
                                        + system_reason());
  auto text = encode_key(key) + "\n";
  try {
    write_all(fd, reinterpret_cast<const std::uint8_t*>(text.data()),
              text.size(), file);
    if (::fsync(fd) != 0)
      io_error("cannot sync " + file.string());
  } catch (...) {
    OPENSSL_cleanse(text.data(), text.size());
    ::close(fd);
    ::unlink(file.c_str());
    throw;
  }
  OPENSSL_cleanse(text.data(), text.size());
  ::close(fd);
  fsync_dir(file.parent_path());
  return key;
}

} // namespace

fs::path prepare_totp_dir(const fs::path& data_dir) {
  auto dir = data_dir / "totp";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw user_error("totp.io", "cannot create the TOTP directory "
                                  + dir.string() + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0)
    io_error("cannot set mode 0700 on " + dir.string());
  return dir;
}

vault_key load_or_create_key(const std::optional<std::string>& env_key,
                             const fs::path& totp_dir) {
  if (env_key) {
    auto key = decode_key(*env_key);
    if (!key)
      throw user_error("totp.key", "TOTP_ENCRYPTION_KEY is not the base64 "
                                   "of 32 bytes; generate one with "
                                   "`openssl rand -base64 32`");
    return *key;
  }
  auto file = totp_dir / "key";
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) {
    if (errno != ENOENT)
      throw user_error("totp.key_file", "cannot read the TOTP key file "
                                          + file.string() + ": "
                                          + system_reason());
    return create_key_file(file);
  }
  if ((st.st_mode & 077) != 0 || st.st_uid != ::geteuid())
    throw user_error("totp.key_file",
                     "the TOTP key file " + file.string()
                       + " must be owned by this user with mode 0600; fix it "
                         "with `chmod 600`");
  bool missing = false;
  std::string text;
  try {
    text = read_file(file, missing);
  } catch (const user_error& e) {
    throw user_error("totp.key_file", e.what());
  }
  auto key = decode_key(text);
  OPENSSL_cleanse(text.data(), text.size());
  if (!key)
    throw user_error("totp.key", "the TOTP key file " + file.string()
                                   + " does not hold the base64 of 32 bytes");
  return *key;
}

std::vector<enrollment> load_vault(const fs::path& file, const vault_key& key) {
  bool missing = false;
  auto data = read_file(file, missing);
  if (missing)
    return {};
  auto bytes = reinterpret_cast<const std::uint8_t*>(data.data());
  auto expected = header_for(key);
  if (data.size() < header_size + nonce_size + tag_size)
    tampered(file, "is too short to be a vault file");
  if (std::memcmp(bytes, expected.data(), 8) != 0)
    tampered(file, "is not a TOTP vault file of version 1");
  if (std::memcmp(bytes + 8, expected.data() + 8, check_size) != 0)
    throw user_error("totp.key",
                     "the TOTP secrets file " + file.string()
                       + " was written with another key (or its key check "
                         "was altered); set TOTP_ENCRYPTION_KEY or the key "
                         "file back to the key it was written with");
  auto nonce = bytes + header_size;
  auto cipher = nonce + nonce_size;
  auto cipher_size = data.size() - header_size - nonce_size - tag_size;
  auto tag = cipher + cipher_size;
  cipher_ctx ctx{EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
  wiped plain(cipher_size + 16);
  int len = 0;
  int total = 0;
  bool ok = ctx
            && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                                  key.data(), nonce)
                 == 1
            && EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes,
                                 static_cast<int>(header_size))
                 == 1
            && EVP_DecryptUpdate(ctx.get(), plain.data(), &len, cipher,
                                 static_cast<int>(cipher_size))
                 == 1;
  total = len;
  ok = ok
       && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG,
                              static_cast<int>(tag_size),
                              const_cast<std::uint8_t*>(tag))
            == 1
       && EVP_DecryptFinal_ex(ctx.get(), plain.data() + total, &len) == 1;
  if (!ok)
    tampered(file, "fails authentication");
  plain.resize(static_cast<std::size_t>(total + len));
  auto entries = deserialize(plain);
  if (!entries)
    tampered(file, "holds records this version cannot read");
  return std::move(*entries);
}

void save_vault(const fs::path& file, const vault_key& key,
                const std::vector<enrollment>& entries) {
  auto plain = serialize(entries);
  auto header = header_for(key);
  std::array<std::uint8_t, nonce_size> nonce{};
  if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1)
    throw user_error("totp.io", "the system's random generator failed");
  std::vector<std::uint8_t> out(header.begin(), header.end());
  out.insert(out.end(), nonce.begin(), nonce.end());
  auto cipher_at = out.size();
  out.resize(cipher_at + plain.size() + tag_size);
  cipher_ctx ctx{EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
  int len = 0;
  int total = 0;
  bool ok = ctx
            && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                                  key.data(), nonce.data())
                 == 1
            && EVP_EncryptUpdate(ctx.get(), nullptr, &len, header.data(),
                                 static_cast<int>(header.size()))
                 == 1
            && EVP_EncryptUpdate(ctx.get(), out.data() + cipher_at, &len,
                                 plain.data(), static_cast<int>(plain.size()))
                 == 1;
  total = len;
  ok = ok
       && EVP_EncryptFinal_ex(ctx.get(), out.data() + cipher_at + total, &len)
            == 1;
  total += len;
  ok = ok && static_cast<std::size_t>(total) == plain.size()
       && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG,
                              static_cast<int>(tag_size),
                              out.data() + cipher_at + plain.size())
            == 1;
  if (!ok)
    throw user_error("totp.io", "AES-256-GCM encryption failed");

  auto dir = file.parent_path();
  std::string temp = (dir / (file.filename().string() + ".XXXXXX")).string();
  int fd = ::mkstemp(temp.data());
  if (fd < 0)
    io_error("cannot create a temporary file in " + dir.string());
  try {
    if (::fchmod(fd, 0600) != 0)
      io_error("cannot set mode 0600 on " + temp);
    write_all(fd, out.data(), out.size(), temp);
    if (::fsync(fd) != 0)
      io_error("cannot sync " + temp);
    if (::close(fd) != 0) {
      fd = -1;
      io_error("cannot close " + temp);
    }
    fd = -1;
    if (::rename(temp.c_str(), file.c_str()) != 0)
      io_error("cannot replace " + file.string());
  } catch (...) {
    if (fd >= 0)
      ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  fsync_dir(dir);
}

opened_vault open_vault(const fs::path& data_dir,
                        const std::optional<std::string>& env_key) {
  opened_vault out;
  auto dir = prepare_totp_dir(data_dir);
  out.file = dir / "secrets.bin";
  std::error_code ec;
  if (!env_key && !fs::exists(dir / "key", ec) && fs::exists(out.file, ec))
    throw user_error("totp.key",
                     "the TOTP secrets file " + out.file.string()
                       + " exists but its key file " + (dir / "key").string()
                       + " is gone and TOTP_ENCRYPTION_KEY is not set; "
                         "restore the key file or set the variable");
  out.key = load_or_create_key(env_key, dir);
  out.entries = load_vault(out.file, out.key);
  return out;
}

} // namespace telclaude::totp
