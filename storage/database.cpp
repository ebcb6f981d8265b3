#include "storage/database.hpp"

#include "core/error.hpp"
#include "storage/schema.hpp"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace telclaude::storage {

namespace {

constexpr int busy_timeout_ms = 5000;

std::string sqlite_message(sqlite3* db, int code) {
  return db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
}

/// The user_error for a database that could not be opened.
user_error open_error(const std::filesystem::path& file, int code,
                      const std::string& message) {
  int primary = code & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
    return user_error("storage.corrupt",
                      file.string() + ": not a SQLite database, or damaged ("
                        + sqlite3_errstr(primary)
                        + "); stop telclaude, move the file aside and start "
                          "again to create a fresh one");
  return user_error("storage.open", file.string()
                                      + ": cannot open the database ("
                                      + message + ")");
}

/// Creates each missing directory of `dir` with mode 0700: the database
/// holds chat contents.
void create_private_dirs(const std::filesystem::path& dir,
                         const std::filesystem::path& file) {
  std::filesystem::path prefix;
  for (const auto& part : dir) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
      throw open_error(file, SQLITE_CANTOPEN,
                       "cannot create directory " + prefix.string() + ": "
                         + std::strerror(errno));
  }
}

/// Creates `file` with mode 0600 unless it exists; SQLite gives its -wal
/// and -shm files the same mode.
/// Creates `file` (mode 0600) when it does not exist yet. An existing file
/// is left alone: closing any descriptor of a file drops every POSIX lock
/// this process holds on it, including SQLite's (SQLite counts its locks
/// per inode and does not take them again), and a second connection of the
/// relay would then let another process checkpoint and delete the WAL under
/// the first one's feet.
void create_private_file(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return;
  }
  if (errno == EEXIST)
    return;
  throw open_error(file, SQLITE_CANTOPEN,
                   std::string{"cannot create the file: "}
                     + std::strerror(errno));
}

sqlite3* open_connection(const std::filesystem::path& file, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    auto message = sqlite_message(db, rc);
    sqlite3_close(db);
    throw open_error(file, rc, message);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return db;
}

/// Runs `setup`; a storage_error becomes the user_error of a failed open.
template <class F>
void while_opening(const std::filesystem::path& file, F&& setup) {
  try {
    setup();
  } catch (const storage_error& e) {
    throw open_error(file, e.sqlite_code(), e.what());
  }
}

} // namespace

// database ------------------------------------------------------------------

database::database(sqlite3* db, std::filesystem::path file)
  : db_(db), file_(std::move(file)) {
}

database::database(database&& other) noexcept
  : db_(std::exchange(other.db_, nullptr)), file_(std::move(other.file_)) {
}

database& database::operator=(database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    file_ = std::move(other.file_);
  }
  return *this;
}

database::~database() {
  sqlite3_close_v2(db_);
}

database database::open(const std::filesystem::path& file) {
  create_private_dirs(file.parent_path(), file);
  create_private_file(file);
  database db{open_connection(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE),
              file};
  while_opening(file, [&] {
    if (auto mode = db.prepare("PRAGMA journal_mode=WAL");
        !mode.step() || mode.column_text(0) != "wal")
      throw storage_error(SQLITE_ERROR, "cannot switch to WAL mode");
    // FULL syncs the WAL on every commit. The inbox commit is what lets the
    // relay acknowledge updates to Telegram; with NORMAL a power cut could
    // undo a commit after Telegram already forgot the updates. Group commit
    // keeps this to one sync per poll.
    db.exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    create_schema(db);
  });
  return db;
}

database database::open_read_only(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    throw user_error("storage.open",
                     file.string()
                       + ": no database here yet; it is created when the "
                         "relay first starts");
  database db{open_connection(file, SQLITE_OPEN_READONLY), file};
  while_opening(file, [&] {
    db.exec("PRAGMA query_only=ON");
    auto probe = db.prepare("SELECT count(*) FROM sqlite_schema");
    probe.step();
  });
  return db;
}

statement database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK)
    throw storage_error(rc, "SQLite: prepare failed: "
                              + sqlite_message(db_, rc) + " in: "
                              + std::string{sql});
  return statement{stmt, db_};
}

void database::exec(std::string_view sql) {
  std::string text{sql};
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    throw storage_error(sqlite3_extended_errcode(db_),
                        "SQLite: " + message + " in: " + text);
  }
}

transaction database::begin_immediate() {
  return transaction{*this};
}

bool database::in_transaction() const noexcept {
  return db_ != nullptr && sqlite3_get_autocommit(db_) == 0;
}

std::size_t database::changes() const {
  return static_cast<std::size_t>(sqlite3_changes(db_));
}

// statement -----------------------------------------------------------------

statement::statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {
}

statement::statement(statement&& other) noexcept
  : stmt_(std::exchange(other.stmt_, nullptr)), db_(other.db_) {
}

statement& statement::operator=(statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = other.db_;
  }
  return *this;
}

statement::~statement() {
  sqlite3_finalize(stmt_);
}

void statement::fail(int code, std::string_view action) const {
  throw storage_error(code, "SQLite: " + std::string{action} + " failed: "
                              + sqlite_message(db_, code) + " in: "
                              + sqlite3_sql(stmt_));
}

statement& statement::bind(int index, std::int64_t value) {
  if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK)
    fail(rc, "bind");
  return *this;
}

statement& statement::bind(int index, double value) {
  if (int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK)
    fail(rc, "bind");
  return *this;
}

statement& statement::bind(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(),
                               SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK)
    fail(rc, "bind");
  return *this;
}

statement& statement::bind(int index, std::nullopt_t) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK)
    fail(rc, "bind");
  return *this;
}

statement& statement::bind(int index, const std::optional<std::string>& value) {
  return value ? bind(index, std::string_view{*value})
               : bind(index, std::nullopt);
}

statement& statement::bind(int index,
                           const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind(index, std::nullopt);
}

statement& statement::bind(int index, const std::optional<double>& value) {
  return value ? bind(index, *value) : bind(index, std::nullopt);
}

bool statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW)
    return true;
  if (rc == SQLITE_DONE)
    return false;
  fail(rc, "step");
}

bool statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double statement::column_double(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
  return text == nullptr ? std::string{}
                         : std::string{reinterpret_cast<const char*>(text), size};
}

std::optional<std::string> statement::column_optional_text(int column) const {
  if (column_is_null(column))
    return std::nullopt;
  return column_text(column);
}

std::optional<std::int64_t> statement::column_optional_int64(int column) const {
  if (column_is_null(column))
    return std::nullopt;
  return column_int64(column);
}

std::optional<double> statement::column_optional_double(int column) const {
  if (column_is_null(column))
    return std::nullopt;
  return column_double(column);
}

void statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

// transaction ---------------------------------------------------------------

transaction::transaction(database& db)
  : db_(&db), nested_(sqlite3_get_autocommit(db.handle()) == 0) {
  // Inside an open transaction (a gatekeeper's group commit) a savepoint
  // keeps this one atomic on its own; the names stack.
  db.exec(nested_ ? "SAVEPOINT telclaude_nested" : "BEGIN IMMEDIATE");
}

transaction::transaction(transaction&& other) noexcept
  : db_(std::exchange(other.db_, nullptr)), nested_(other.nested_) {
}

transaction::~transaction() {
  if (db_ == nullptr)
    return;
  if (!nested_) {
    sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    return;
  }
  // A failed statement may already have ended the outer transaction
  // (SQLITE_FULL, SQLITE_IOERR): then there is no savepoint left.
  if (sqlite3_get_autocommit(db_->handle()) == 0)
    sqlite3_exec(db_->handle(),
                 "ROLLBACK TO telclaude_nested; RELEASE telclaude_nested",
                 nullptr, nullptr, nullptr);
}

void transaction::commit() {
  db_->exec(nested_ ? "RELEASE telclaude_nested" : "COMMIT");
  db_ = nullptr;
}

} // namespace telclaude::storage
