#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace telclaude::storage {

/// A failed SQLite call after the database was opened. Callers treat it as
/// fail-closed: the operation did not happen.
class storage_error : public std::runtime_error {
public:
  storage_error(int sqlite_code, const std::string& message)
    : std::runtime_error(message), code_(sqlite_code) {
  }

  /// The SQLite result code (extended when available), e.g. SQLITE_BUSY.
  int sqlite_code() const noexcept {
    return code_;
  }

private:
  int code_;
};

class statement;
class transaction;

/// One SQLite connection. Move-only; closes on destruction. Not for
/// concurrent use from several threads: one owner (the `store` actor)
/// uses it at a time.
class database {
public:
  /// Opens (creating it and its parent directories, mode 0700, if needed)
  /// the database at `file`, mode 0600, in WAL mode with
  /// synchronous=FULL, a busy timeout and foreign keys on, and creates any
  /// missing table. Throws telclaude::user_error storage.open or
  /// storage.corrupt naming the file and SQLite's message.
  static database open(const std::filesystem::path& file);

  /// Opens an existing database read-only (query_only), e.g. for
  /// `telclaude status` while the relay writes it. Creates nothing.
  static database open_read_only(const std::filesystem::path& file);

  database(database&& other) noexcept;
  database& operator=(database&& other) noexcept;
  database(const database&) = delete;
  database& operator=(const database&) = delete;
  ~database();

  /// Compiles one SQL statement; cache the result in a repository.
  statement prepare(std::string_view sql);

  /// Runs SQL text without results (may hold several statements).
  void exec(std::string_view sql);

  /// BEGIN IMMEDIATE: takes the write lock now, so a transaction never
  /// fails half-way for lack of it. Inside a transaction already open on
  /// this connection (a group commit) it is a SAVEPOINT instead: still
  /// all-or-nothing on its own, durable when the outer one commits.
  transaction begin_immediate();

  /// True while a transaction is open on this connection.
  bool in_transaction() const noexcept;

  /// Rows changed by the last INSERT, UPDATE or DELETE.
  std::size_t changes() const;

  /// The file this connection opened.
  const std::filesystem::path& file() const noexcept {
    return file_;
  }

  sqlite3* handle() noexcept {
    return db_;
  }

private:
  database(sqlite3* db, std::filesystem::path file);

  sqlite3* db_ = nullptr;
  std::filesystem::path file_;
};

/// A prepared statement. Parameters are 1-based, columns 0-based, as in
/// SQLite. Use `scoped()` around each use of a cached statement so it is
/// reset afterwards and never holds a read snapshot open.
class statement {
public:
  statement(statement&& other) noexcept;
  statement& operator=(statement&& other) noexcept;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement();

  statement& bind(int index, std::int64_t value);
  statement& bind(int index, int value) {
    return bind(index, static_cast<std::int64_t>(value));
  }
  statement& bind(int index, long long value) {
    return bind(index, static_cast<std::int64_t>(value));
  }
  statement& bind(int index, double value);
  statement& bind(int index, std::string_view value);
  statement& bind(int index, const std::string& value) {
    return bind(index, std::string_view{value});
  }
  statement& bind(int index, const char* value) {
    return bind(index, std::string_view{value});
  }
  statement& bind(int index, std::nullopt_t);
  /// Binds the value or NULL.
  statement& bind(int index, const std::optional<std::string>& value);
  statement& bind(int index, const std::optional<std::int64_t>& value);
  statement& bind(int index, const std::optional<double>& value);

  /// Runs to the next row: true when a row is available, false when done.
  bool step();

  bool column_is_null(int column) const;
  std::int64_t column_int64(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;
  std::optional<std::string> column_optional_text(int column) const;
  std::optional<std::int64_t> column_optional_int64(int column) const;
  std::optional<double> column_optional_double(int column) const;

  /// Makes the statement runnable again and clears its bindings.
  void reset() noexcept;

  /// Resets the statement when the returned guard goes out of scope.
  class [[nodiscard]] scope {
  public:
    explicit scope(statement& s) : statement_(s) {
    }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
    ~scope() {
      statement_.reset();
    }
    statement* operator->() noexcept {
      return &statement_;
    }
    statement& operator*() noexcept {
      return statement_;
    }

  private:
    statement& statement_;
  };

  scope scoped() {
    return scope{*this};
  }

private:
  friend class database;
  statement(sqlite3_stmt* stmt, sqlite3* db);

  [[noreturn]] void fail(int code, std::string_view action) const;

  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

/// An open transaction; rolls back on destruction unless committed.
class transaction {
public:
  transaction(transaction&& other) noexcept;
  transaction& operator=(transaction&&) = delete;
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  ~transaction();

  /// Commits (a nested one: releases its savepoint); afterwards the
  /// destructor does nothing.
  void commit();

  /// True when this is a savepoint inside an outer transaction.
  bool nested() const noexcept {
    return nested_;
  }

private:
  friend class database;
  explicit transaction(database& db);

  database* db_;
  bool nested_ = false;
};

} // namespace telclaude::storage
