#pragma once

#include <memory>
#include <string>

#include "autotuner/store/sql.h"

namespace autotuner::store {

// A SQLite database file in WAL mode (readers never block the writer; other processes wait up to 10 s for a
// busy database), with foreign keys on. The directory is created when missing.
Result<std::unique_ptr<SqlConnection>> OpenSqlite(const std::string& path);

}  // namespace autotuner::store
