#include "autotuner/store/sqlite_connection.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <filesystem>

namespace autotuner::store {
namespace {

class SqliteConnection final : public SqlConnection {
 public:
  explicit SqliteConnection(const std::string& path)
      : db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX) {
    db_.setBusyTimeout(10000);
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec("PRAGMA foreign_keys=ON");
    db_.exec("PRAGMA synchronous=NORMAL");
  }

  SqlDialect dialect() const override { return SqlDialect::kSqlite; }

  Result<std::vector<SqlRow>> Query(const std::string& sql, const std::vector<SqlValue>& params) override {
    try {
      SQLite::Statement statement(db_, sql);
      for (size_t i = 0; i < params.size(); ++i) {
        const int index = static_cast<int>(i) + 1;
        std::visit(
            [&](const auto& v) {
              using T = std::decay_t<decltype(v)>;
              if constexpr (std::is_same_v<T, std::monostate>) {
                statement.bind(index);
              } else if constexpr (std::is_same_v<T, int64_t>) {
                statement.bind(index, static_cast<int64_t>(v));
              } else {
                statement.bind(index, v);
              }
            },
            params[i]);
      }
      std::vector<SqlRow> rows;
      while (statement.executeStep()) {
        SqlRow row;
        for (int c = 0; c < statement.getColumnCount(); ++c) {
          const SQLite::Column column = statement.getColumn(c);
          if (column.isNull()) {
            row.emplace_back(std::monostate{});
          } else if (column.isInteger()) {
            row.emplace_back(static_cast<int64_t>(column.getInt64()));
          } else if (column.isFloat()) {
            row.emplace_back(column.getDouble());
          } else {
            row.emplace_back(column.getString());
          }
        }
        rows.push_back(std::move(row));
      }
      return rows;
    } catch (const SQLite::Exception& e) {
      const int code = e.getErrorCode();
      const ErrorCode kind = code == SQLITE_CONSTRAINT ? ErrorCode::kAlreadyExists
                             : code == SQLITE_BUSY     ? ErrorCode::kUnavailable
                                                       : ErrorCode::kIo;
      return MakeError(kind, std::string("sqlite: ") + e.what(), {{"sql", sql}});
    }
  }

  Status ExecScript(const std::string& sql) override {
    try {
      db_.exec(sql);
      return {};
    } catch (const SQLite::Exception& e) {
      return MakeError(ErrorCode::kIo, std::string("sqlite: ") + e.what());
    }
  }

 private:
  SQLite::Database db_;
};

}  // namespace

Result<std::unique_ptr<SqlConnection>> OpenSqlite(const std::string& path) {
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  try {
    return std::unique_ptr<SqlConnection>(std::make_unique<SqliteConnection>(path));
  } catch (const SQLite::Exception& e) {
    return MakeError(ErrorCode::kIo, "cannot open " + path + ": " + e.what());
  }
}

}  // namespace autotuner::store
