#define BOOST_TEST_MODULE storage_database
#include <boost/test/unit_test.hpp>

#include "core/error.hpp"
#include "storage/database.hpp"
#include "tests/storage/temp_dir.hpp"

#include <sqlite3.h>

#include <fstream>
#include <set>
#include <sys/stat.h>

using namespace telclaude::storage;
using telclaude::storage::test::temp_dir;

namespace {

std::int64_t scalar(database& db, std::string_view sql) {
  auto q = db.prepare(sql);
  BOOST_REQUIRE(q.step());
  return q.column_int64(0);
}

std::string text_scalar(database& db, std::string_view sql) {
  auto q = db.prepare(sql);
  BOOST_REQUIRE(q.step());
  return q.column_text(0);
}

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  BOOST_REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

/// The code and message of the user_error `f` throws.
template <class F>
std::pair<std::string, std::string> user_error_of(F&& f) {
  try {
    f();
  } catch (const telclaude::user_error& e) {
    return {e.code(), e.what()};
  }
  return {"none", ""};
}

} // namespace

BOOST_AUTO_TEST_CASE(open_creates_private_dirs_file_and_schema) {
  temp_dir dir;
  auto file = dir / "a/b/telclaude.db";
  auto db = database::open(file);
  BOOST_TEST(db.file() == file);
  BOOST_TEST(mode_of(dir / "a") == 0700u);
  BOOST_TEST(mode_of(dir / "a/b") == 0700u);
  BOOST_TEST(mode_of(file) == 0600u);

  std::set<std::string> tables;
  auto q = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' "
                      "AND name NOT LIKE 'sqlite_%'");
  while (q.step())
    tables.insert(q.column_text(0));
  BOOST_TEST((tables == std::set<std::string>{
                          "admin", "agent_processes", "agent_sessions",
                          "approvals", "audit_log",
                          "auth_codes", "identity_links", "inbox",
                          "rate_windows", "relay_state", "totp_sessions"}));
  BOOST_TEST(text_scalar(db, "PRAGMA journal_mode") == "wal");
  BOOST_TEST(scalar(db, "PRAGMA synchronous") == 2);  // FULL
  BOOST_TEST(scalar(db, "PRAGMA foreign_keys") == 1);
  BOOST_TEST(scalar(db, "PRAGMA busy_timeout") == 5000);
}

BOOST_AUTO_TEST_CASE(reopening_keeps_data_and_schema) {
  temp_dir dir;
  {
    auto db = database::open(dir / "t.db");
    db.exec("INSERT INTO relay_state (key, value) VALUES ('k', 'v')");
  }
  auto db = database::open(dir / "t.db");
  BOOST_TEST(text_scalar(db, "SELECT value FROM relay_state") == "v");
}

BOOST_AUTO_TEST_CASE(statements_bind_and_read_every_type) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  db.exec("CREATE TABLE t (i INTEGER, d REAL, s TEXT, n TEXT)");
  auto insert = db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)");
  std::string with_nul{"a\0b", 3};
  insert.bind(1, std::int64_t{1} << 40)
    .bind(2, 2.5)
    .bind(3, std::string_view{with_nul})
    .bind(4, std::nullopt);
  BOOST_TEST(!insert.step());
  insert.reset();
  insert.bind(1, 7).bind(2, 0.0).bind(3, "x").bind(
    4, std::optional<std::string>{"set"});
  BOOST_TEST(!insert.step());

  auto select = db.prepare("SELECT i, d, s, n FROM t ORDER BY i DESC");
  BOOST_REQUIRE(select.step());
  BOOST_TEST(select.column_int64(0) == std::int64_t{1} << 40);
  BOOST_TEST(select.column_double(1) == 2.5);
  BOOST_TEST(select.column_text(2) == with_nul);
  BOOST_TEST(select.column_is_null(3));
  BOOST_TEST(!select.column_optional_text(3));
  BOOST_REQUIRE(select.step());
  BOOST_TEST(*select.column_optional_text(3) == "set");
  BOOST_TEST(!select.step());
}

BOOST_AUTO_TEST_CASE(scoped_use_resets_a_cached_statement) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  db.exec("INSERT INTO relay_state VALUES ('a', '1'), ('b', '2')");
  auto select = db.prepare("SELECT value FROM relay_state WHERE key = ?1");
  for (std::string key : {"a", "b", "a"}) {
    auto q = select.scoped();
    q->bind(1, key);
    BOOST_REQUIRE(q->step());
    BOOST_TEST(q->column_text(0) == (key == "a" ? "1" : "2"));
  }
}

BOOST_AUTO_TEST_CASE(transactions_roll_back_unless_committed) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  {
    auto tx = db.begin_immediate();
    db.exec("INSERT INTO relay_state VALUES ('dropped', 'x')");
  }
  {
    auto tx = db.begin_immediate();
    db.exec("INSERT INTO relay_state VALUES ('kept', 'x')");
    tx.commit();
  }
  BOOST_TEST(scalar(db, "SELECT count(*) FROM relay_state") == 1);
  BOOST_TEST(text_scalar(db, "SELECT key FROM relay_state") == "kept");
}

BOOST_AUTO_TEST_CASE(a_transaction_inside_a_group_is_a_savepoint) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  auto other = database::open(dir / "t.db");
  BOOST_TEST(!db.in_transaction());
  {
    auto group = db.begin_immediate();
    BOOST_TEST(!group.nested());
    BOOST_TEST(db.in_transaction());
    {
      auto inner = db.begin_immediate();
      BOOST_TEST(inner.nested());
      db.exec("INSERT INTO relay_state VALUES ('undone', 'x')");
    }  // rolled back alone: the group goes on
    BOOST_TEST(db.in_transaction());
    {
      auto inner = db.begin_immediate();
      db.exec("INSERT INTO relay_state VALUES ('kept', 'x')");
      {
        auto deeper = db.begin_immediate();
        db.exec("INSERT INTO relay_state VALUES ('deep', 'x')");
        deeper.commit();
      }
      inner.commit();
    }
    // Not durable yet: another connection sees nothing.
    BOOST_TEST(scalar(other, "SELECT count(*) FROM relay_state") == 0);
    group.commit();
    BOOST_TEST(scalar(other, "SELECT count(*) FROM relay_state") == 2);
  }
  BOOST_TEST(!db.in_transaction());
  BOOST_TEST(scalar(db, "SELECT count(*) FROM relay_state WHERE key = "
                        "'undone'") == 0);
  {
    // A group rolled back takes its committed savepoints with it.
    auto group = db.begin_immediate();
    auto inner = db.begin_immediate();
    db.exec("INSERT INTO relay_state VALUES ('lost', 'x')");
    inner.commit();
  }
  BOOST_TEST(scalar(db, "SELECT count(*) FROM relay_state") == 2);
}

BOOST_AUTO_TEST_CASE(sqlite_failures_throw_storage_error_with_the_code) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  try {
    db.prepare("SELECT nope FROM nowhere");
    BOOST_ERROR("no error");
  } catch (const storage_error& e) {
    BOOST_TEST(e.sqlite_code() == SQLITE_ERROR);
    BOOST_TEST(std::string{e.what()}.find("no such table: nowhere")
               != std::string::npos);
  }
  db.exec("INSERT INTO relay_state VALUES ('k', 'v')");
  auto dup = db.prepare("INSERT INTO relay_state VALUES ('k', 'w')");
  try {
    dup.step();
    BOOST_ERROR("no error");
  } catch (const storage_error& e) {
    BOOST_TEST(e.sqlite_code() == SQLITE_CONSTRAINT_PRIMARYKEY);
  }
}

BOOST_AUTO_TEST_CASE(read_only_open_sees_commits_while_a_writer_holds_the_db) {
  temp_dir dir;
  auto writer = database::open(dir / "t.db");
  writer.exec("INSERT INTO relay_state VALUES ('offset', '1')");
  auto tx = writer.begin_immediate();
  writer.exec("UPDATE relay_state SET value = '2'");

  auto reader = database::open_read_only(dir / "t.db");
  BOOST_TEST(text_scalar(reader, "SELECT value FROM relay_state") == "1");
  tx.commit();
  BOOST_TEST(text_scalar(reader, "SELECT value FROM relay_state") == "2");

  try {
    reader.exec("UPDATE relay_state SET value = '3'");
    BOOST_ERROR("a read-only connection wrote");
  } catch (const storage_error& e) {
    BOOST_TEST(std::string{e.what()}.find("readonly") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_second_connection_keeps_the_first_ones_locks) {
  // The relay opens several connections; another process (the CLI) then
  // writes and closes. Were the first connection's locks dropped by the
  // second open, the CLI would think it was alone, checkpoint and delete
  // the WAL, and the relay would go on reading (and writing) a stale one.
  temp_dir dir;
  auto first = database::open(dir / "t.db");
  first.exec("INSERT INTO relay_state VALUES ('k', '1')");
  auto second = database::open(dir / "t.db");
  BOOST_TEST(text_scalar(second, "SELECT value FROM relay_state") == "1");
  for (auto value : {"2", "3"}) {
    // A separate process (not a fork: SQLite's lock bookkeeping must not
    // be inherited).
    auto cmd = "sqlite3 " + (dir / "t.db").string()
               + " \"UPDATE relay_state SET value = '" + value + "'\"";
    BOOST_REQUIRE(std::system(cmd.c_str()) == 0);
    BOOST_TEST(text_scalar(first, "SELECT value FROM relay_state") == value);
    BOOST_TEST(text_scalar(second, "SELECT value FROM relay_state") == value);
  }
  // What the relay writes now is not lost either.
  first.exec("UPDATE relay_state SET value = '4'");
  auto later = database::open_read_only(dir / "t.db");
  BOOST_TEST(text_scalar(later, "SELECT value FROM relay_state") == "4");
}

BOOST_AUTO_TEST_CASE(read_only_open_works_without_a_writer) {
  temp_dir dir;
  {
    auto writer = database::open(dir / "t.db");
    writer.exec("INSERT INTO relay_state VALUES ('k', 'v')");
  }
  auto reader = database::open_read_only(dir / "t.db");
  BOOST_TEST(text_scalar(reader, "SELECT value FROM relay_state") == "v");
}

BOOST_AUTO_TEST_CASE(read_only_open_of_a_missing_file_creates_nothing) {
  temp_dir dir;
  auto file = dir / "none.db";
  auto [code, message] = user_error_of([&] { database::open_read_only(file); });
  BOOST_TEST(code == "storage.open");
  BOOST_TEST(message
             == file.string()
                  + ": no database here yet; it is created when the relay "
                    "first starts");
  BOOST_TEST(!std::filesystem::exists(file));
}

BOOST_AUTO_TEST_CASE(corrupt_file_is_a_clear_error) {
  temp_dir dir;
  auto file = dir / "t.db";
  std::ofstream{file} << std::string(8192, 'x');
  for (bool read_only : {false, true}) {
    auto [code, message] = user_error_of([&] {
      read_only ? database::open_read_only(file) : database::open(file);
    });
    BOOST_TEST(code == "storage.corrupt");
    BOOST_TEST(message
               == file.string()
                    + ": not a SQLite database, or damaged (file is not a "
                      "database); stop telclaude, move the file aside and "
                      "start again to create a fresh one");
  }
}

BOOST_AUTO_TEST_CASE(unopenable_path_is_a_clear_error) {
  temp_dir dir;
  std::filesystem::create_directory(dir / "db");
  auto [code, message] = user_error_of([&] { database::open(dir / "db"); });
  BOOST_TEST(code == "storage.open");
  BOOST_TEST(message.starts_with((dir / "db").string()
                                 + ": cannot open the database ("));
}

BOOST_AUTO_TEST_CASE(moved_from_database_is_inert) {
  temp_dir dir;
  auto a = database::open(dir / "t.db");
  auto b = std::move(a);
  BOOST_TEST(a.handle() == nullptr);
  BOOST_TEST(b.handle() != nullptr);
  b.exec("SELECT 1");
}
