#pragma once

// The few things the store asks of a SQL database, so one store implementation serves SQLite and PostgreSQL.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "autotuner/core/result.h"

namespace autotuner::store {

using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;
using SqlRow = std::vector<SqlValue>;

enum class SqlDialect { kSqlite, kPostgres };

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual SqlDialect dialect() const = 0;
  // Runs one statement with '?' placeholders bound to `params`; returns its rows (empty for non-queries).
  virtual Result<std::vector<SqlRow>> Query(const std::string& sql,
                                            const std::vector<SqlValue>& params = {}) = 0;
  // Runs several statements without parameters (schema changes).
  virtual Status ExecScript(const std::string& sql) = 0;
};

// Helpers to read typed columns.
int64_t AsInt(const SqlValue& v);
double AsDouble(const SqlValue& v);
std::string AsString(const SqlValue& v);
bool IsNull(const SqlValue& v);

}  // namespace autotuner::store
