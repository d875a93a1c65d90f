#pragma once

#include <memory>
#include <string>

#include "autotuner/store/sql.h"

namespace autotuner::store {

// A PostgreSQL connection (libpq) from a postgresql:// URL.
Result<std::unique_ptr<SqlConnection>> OpenPostgres(const std::string& url);

// The URL without its password, for logs.
std::string RedactUrl(const std::string& url);

}  // namespace autotuner::store
