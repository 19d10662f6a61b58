#include "pg/session.h"

namespace vigil::pg {
namespace {

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

Error CurrentError(Connection& connection, std::string_view what) {
  const std::string where = " (PostgreSQL at " + connection.description() + ")";
  try {
    throw;
  } catch (const pqxx::in_doubt_error& e) {
    connection.impl().broken = true;
    return Error::Failed("the connection broke while " + std::string(what) +
                         " was committing, so whether it committed is unknown" + where + ": " +
                         Trimmed(e.what()) +
                         "; read it again once the server answers (the next call reconnects)");
  } catch (const pqxx::broken_connection& e) {
    connection.impl().broken = true;
    return Error::Failed("lost the connection while " + std::string(what) + where + ": " +
                         Trimmed(e.what()) + "; check the server, the next call reconnects");
  } catch (const pqxx::sql_error& e) {
    return Error::Failed("PostgreSQL refused " + std::string(what) + where + ": " +
                         Trimmed(e.what()) + " (SQLSTATE " + e.sqlstate() + ")");
  } catch (const std::exception& e) {
    return Error::Failed("failed " + std::string(what) + where + ": " + Trimmed(e.what()));
  }
}

pqxx::binarystring Binary(ByteView bytes) { return pqxx::binarystring(bytes.data(), bytes.size()); }

Bytes FromBinary(const pqxx::field& field) {
  const pqxx::binarystring bytes(field);
  return Bytes(bytes.data(), bytes.data() + bytes.size());
}

std::string TextArray(const std::vector<std::optional<std::string>>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    if (!values[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (const char c : *values[i]) {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace vigil::pg
