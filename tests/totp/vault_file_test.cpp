#define BOOST_TEST_MODULE vault_file
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <fstream>

#include "core/error.hpp"
#include "tests/agent/test_support.hpp"
#include "totp/vault_file.hpp"

using namespace telclaude::totp;
using telclaude::testing::slurp;
using telclaude::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

std::vector<enrollment> sample() {
  return {{42, generate_secret(), true, 56'666'666},
          {7, generate_secret(), false, std::nullopt}};
}

/// The code of the user_error `f` throws, or "" when it throws none.
template <class F>
std::string error_code_of(F&& f) {
  try {
    f();
  } catch (const telclaude::user_error& e) {
    return e.code();
  }
  return "";
}

unsigned mode_of(const fs::path& p) {
  struct stat st{};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream{p, std::ios::binary | std::ios::trunc} << bytes;
}

/// A data dir whose vault holds sample() under a created key file.
struct saved_vault {
  temp_dir tmp;
  fs::path dir = prepare_totp_dir(tmp.path() / "data");
  vault_key key = load_or_create_key(std::nullopt, dir);
  std::vector<enrollment> entries = sample();

  saved_vault() {
    save_vault(dir / "secrets.bin", key, entries);
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(a_round_trip_gives_back_every_field, saved_vault) {
  BOOST_TEST((load_vault(dir / "secrets.bin", key) == entries));
  save_vault(dir / "secrets.bin", key, {});
  BOOST_TEST(load_vault(dir / "secrets.bin", key).empty());
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_empty_vault) {
  temp_dir tmp;
  vault_key key{};
  BOOST_TEST(load_vault(tmp.path() / "secrets.bin", key).empty());
}

BOOST_FIXTURE_TEST_CASE(directories_and_files_are_private, saved_vault) {
  BOOST_TEST(mode_of(dir) == 0700u);
  BOOST_TEST(mode_of(dir / "key") == 0600u);
  BOOST_TEST(mode_of(dir / "secrets.bin") == 0600u);
  // Nothing but the key and the secrets is left behind (no temp files).
  int files = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator{dir})
    ++files;
  BOOST_TEST(files == 2);
}

BOOST_FIXTURE_TEST_CASE(no_secret_appears_in_any_file_in_plain, saved_vault) {
  std::string key_bytes(key.begin(), key.end());
  for (auto& e : fs::recursive_directory_iterator{tmp.path()}) {
    if (!e.is_regular_file())
      continue;
    auto content = slurp(e.path());
    for (auto& entry : entries) {
      std::string raw(entry.secret.begin(), entry.secret.end());
      BOOST_TEST(content.find(raw) == std::string::npos, e.path());
      BOOST_TEST(content.find(base32_encode(entry.secret)) == std::string::npos,
                 e.path());
    }
    BOOST_TEST(content.find(key_bytes) == std::string::npos, e.path());
  }
}

BOOST_AUTO_TEST_CASE(every_write_uses_a_fresh_nonce) {
  temp_dir tmp;
  vault_key key{};
  auto entries = sample();
  save_vault(tmp.path() / "a", key, entries);
  save_vault(tmp.path() / "b", key, entries);
  auto a = slurp(tmp.path() / "a");
  auto b = slurp(tmp.path() / "b");
  BOOST_TEST(a.size() == b.size());
  BOOST_TEST(a.substr(16, 12) != b.substr(16, 12));
  BOOST_TEST(a.substr(28) != b.substr(28));
}

BOOST_AUTO_TEST_CASE(a_flipped_byte_anywhere_is_detected) {
  temp_dir tmp;
  vault_key key{};
  key[0] = 1;
  auto file = tmp.path() / "secrets.bin";
  save_vault(file, key, sample());
  auto good = slurp(file);
  for (std::size_t i = 0; i < good.size(); ++i) {
    auto bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    write_bytes(file, bad);
    auto code = error_code_of([&] { load_vault(file, key); });
    // Bytes 8..15 are the key check: altering it reads as another key.
    auto expected = i >= 8 && i < 16 ? "totp.key" : "totp.tampered";
    BOOST_TEST(code == expected, "byte " << i);
  }
  for (std::size_t size : {std::size_t{0}, std::size_t{10}, good.size() - 1}) {
    write_bytes(file, good.substr(0, size));
    BOOST_TEST(error_code_of([&] { load_vault(file, key); }) == "totp.tampered",
               "cut to " << size);
  }
  write_bytes(file, good + "x");
  BOOST_TEST(error_code_of([&] { load_vault(file, key); }) == "totp.tampered");
}

BOOST_AUTO_TEST_CASE(a_wrong_key_is_reported_not_reset) {
  temp_dir tmp;
  vault_key key{};
  auto file = tmp.path() / "secrets.bin";
  save_vault(file, key, sample());
  auto before = slurp(file);
  vault_key other{};
  other[31] = 9;
  BOOST_TEST(error_code_of([&] { load_vault(file, other); }) == "totp.key");
  BOOST_TEST(slurp(file) == before);
}

BOOST_AUTO_TEST_CASE(the_key_comes_from_the_environment_or_a_file) {
  temp_dir tmp;
  auto dir = prepare_totp_dir(tmp.path());
  // `openssl rand -base64 32` gives 44 characters; this is 32 times 0x01.
  std::string b64 = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
  auto key = load_or_create_key(b64, dir);
  for (auto b : key)
    BOOST_TEST(b == 1u);
  BOOST_TEST(!fs::exists(dir / "key"));
  BOOST_TEST(error_code_of([&] { load_or_create_key("AQEB", dir); })
             == "totp.key");
  BOOST_TEST(error_code_of([&] { load_or_create_key(b64 + "AAAA", dir); })
             == "totp.key");
  auto created = load_or_create_key(std::nullopt, dir);
  BOOST_TEST((load_or_create_key(std::nullopt, dir) == created));
  BOOST_TEST((created != key));
}

BOOST_AUTO_TEST_CASE(a_key_file_others_can_read_is_refused) {
  temp_dir tmp;
  auto dir = prepare_totp_dir(tmp.path());
  load_or_create_key(std::nullopt, dir);
  fs::permissions(dir / "key", fs::perms::group_read, fs::perm_options::add);
  BOOST_TEST(error_code_of([&] { load_or_create_key(std::nullopt, dir); })
             == "totp.key_file");
  fs::permissions(dir / "key", fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);
  write_bytes(dir / "key", "not base64\n");
  BOOST_TEST(error_code_of([&] { load_or_create_key(std::nullopt, dir); })
             == "totp.key");
}

BOOST_AUTO_TEST_CASE(a_lost_key_file_is_not_silently_replaced) {
  temp_dir tmp;
  auto first = open_vault(tmp.path(), std::nullopt);
  BOOST_TEST(first.entries.empty());
  save_vault(first.file, first.key, sample());
  BOOST_TEST((open_vault(tmp.path(), std::nullopt).entries.size() == 2u));
  auto dir = tmp.path() / "totp";
  fs::remove(dir / "key");
  BOOST_TEST(error_code_of([&] { open_vault(tmp.path(), std::nullopt); })
             == "totp.key");
  BOOST_TEST(!fs::exists(dir / "key"));
}
