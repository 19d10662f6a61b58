// Private to pg/: libpqxx's connection behind pg::Connection, and the one place where
// libpqxx's exceptions become Errors. Every pg .cc file that talks to the server runs its
// libpqxx calls inside Guard().
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "pg/connection.h"

namespace vigil::pg {

struct Connection::Impl {
  std::unique_ptr<pqxx::connection> conn;
  bool broken = false;
};

// The exception being handled (inside a catch block) as an Error naming `what` ("appending
// to the log") and the server; a lost connection marks `connection` broken.
Error CurrentError(Connection& connection, std::string_view what);

// Runs `body` (returning a Status or Result) with libpqxx's exceptions turned into Errors.
template <typename F>
auto Guard(Connection& connection, std::string_view what, F&& body) -> decltype(body()) {
  if (connection.broken()) {
    if (Status reconnected = connection.Reconnect(); !reconnected.ok()) {
      return reconnected.error();
    }
  }
  try {
    return body();
  } catch (const std::exception&) {
    return CurrentError(connection, what);
  }
}

// A bytea parameter and a bytea column.
pqxx::binarystring Binary(ByteView bytes);
Bytes FromBinary(const pqxx::field& field);

// A PostgreSQL array literal ("{...}") of text values (NULL for an empty optional), for
// inserting many rows with one statement through unnest(); hex strings need no quoting.
std::string TextArray(const std::vector<std::optional<std::string>>& values);

}  // namespace vigil::pg
