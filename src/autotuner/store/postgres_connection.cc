#include "autotuner/store/postgres_connection.h"

#include <libpq-fe.h>

#include <cstring>

namespace autotuner::store {
namespace {

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// '?' placeholders → $1, $2, ... (our SQL never has '?' inside literals).
std::string Numbered(const std::string& sql) {
  std::string out;
  int n = 0;
  for (char c : sql) {
    if (c == '?') {
      out += "$" + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

class PostgresConnection final : public SqlConnection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  SqlDialect dialect() const override { return SqlDialect::kPostgres; }

  Result<std::vector<SqlRow>> Query(const std::string& sql, const std::vector<SqlValue>& params) override {
    if (PQstatus(conn_) != CONNECTION_OK) PQreset(conn_);
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      if (const auto* s = std::get_if<std::string>(&params[i])) {
        texts[i] = *s;
      } else if (const auto* n = std::get_if<int64_t>(&params[i])) {
        texts[i] = std::to_string(*n);
      } else if (const auto* d = std::get_if<double>(&params[i])) {
        char buffer[64];
        std::snprintf(buffer, sizeof(buffer), "%.17g", *d);
        texts[i] = buffer;
      } else {
        continue;  // NULL
      }
      values[i] = texts[i].c_str();
    }
    PgResult result(PQexecParams(conn_, Numbered(sql).c_str(), static_cast<int>(params.size()), nullptr,
                                 values.data(), nullptr, nullptr, 0));
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
      const bool unique = state != nullptr && std::strcmp(state, "23505") == 0;
      return MakeError(unique ? ErrorCode::kAlreadyExists : ErrorCode::kIo,
                       std::string("postgresql: ") + PQresultErrorMessage(result.get()), {{"sql", sql}});
    }
    std::vector<SqlRow> rows;
    const int n_rows = PQntuples(result.get());
    const int n_cols = PQnfields(result.get());
    for (int r = 0; r < n_rows; ++r) {
      SqlRow row;
      for (int c = 0; c < n_cols; ++c) {
        if (PQgetisnull(result.get(), r, c)) {
          row.emplace_back(std::monostate{});
          continue;
        }
        const char* text = PQgetvalue(result.get(), r, c);
        switch (PQftype(result.get(), c)) {
          case 20:  // int8
          case 21:  // int2
          case 23:  // int4
            row.emplace_back(static_cast<int64_t>(std::strtoll(text, nullptr, 10)));
            break;
          case 700:   // float4
          case 701:   // float8
          case 1700:  // numeric
            row.emplace_back(std::strtod(text, nullptr));
            break;
          default:
            row.emplace_back(std::string(text, static_cast<size_t>(PQgetlength(result.get(), r, c))));
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  Status ExecScript(const std::string& sql) override {
    PgResult result(PQexec(conn_, sql.c_str()));
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return MakeError(ErrorCode::kIo, std::string("postgresql: ") + PQresultErrorMessage(result.get()));
    }
    return {};
  }

 private:
  PGconn* conn_;
};

}  // namespace

std::string RedactUrl(const std::string& url) {
  // postgresql://user:secret@host/db → postgresql://user:***@host/db
  const size_t scheme = url.find("://");
  const size_t at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return url;
  const size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

Result<std::unique_ptr<SqlConnection>> OpenPostgres(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return MakeError(ErrorCode::kUnavailable, "cannot connect to " + RedactUrl(url) + ": " + message);
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);  // "relation already exists, skipping"
  return std::unique_ptr<SqlConnection>(std::make_unique<PostgresConnection>(conn));
}

}  // namespace autotuner::store
