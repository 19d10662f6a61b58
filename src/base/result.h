// Errors as values: Result<T> holds a value or an Error, Status holds nothing or an Error.
// The error code maps to the CLI exit code (see docs/ and DESIGN: 1 failed, 2 bad input,
// 3 missing environment).
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace vigil {

enum class ErrorCode : int {
  kFailed = 1,      // a verification or operation failed
  kBadInput = 2,    // bad usage or bad input
  kMissingEnv = 3,  // a dependency, device or file of the environment is missing
};

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Error Failed(std::string message) { return {ErrorCode::kFailed, std::move(message)}; }
  static Error BadInput(std::string message) { return {ErrorCode::kBadInput, std::move(message)}; }
  static Error MissingEnv(std::string message) {
    return {ErrorCode::kMissingEnv, std::move(message)};
  }

  ErrorCode code() const { return code_; }
  int exit_code() const { return static_cast<int>(code_); }
  const std::string& message() const { return message_; }

  // Returns the same error with `context` put in front of the message.
  Error WithContext(const std::string& context) const { return {code_, context + ": " + message_}; }

 private:
  ErrorCode code_;
  std::string message_;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

inline Status OkStatus() { return {}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : data_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Error& error() const { return std::get<Error>(data_); }
  Status status() const { return ok() ? Status() : Status(error()); }

  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> data_;
};

}  // namespace vigil

#define VIGIL_CONCAT_INNER(a, b) a##b
#define VIGIL_CONCAT(a, b) VIGIL_CONCAT_INNER(a, b)

// Returns the error of a Status or Result expression from the enclosing function.
#define VIGIL_RETURN_IF_ERROR(expr) \
  do {                              \
    auto vigil_status_ = (expr);    \
    if (!vigil_status_.ok()) {      \
      return vigil_status_.error(); \
    }                               \
  } while (false)

// Declares `lhs` from a Result expression, or returns its error.
#define VIGIL_ASSIGN_OR_RETURN(lhs, expr) \
  VIGIL_ASSIGN_OR_RETURN_IMPL(VIGIL_CONCAT(vigil_result_, __LINE__), lhs, expr)
#define VIGIL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) {                                  \
    return tmp.error();                             \
  }                                                 \
  lhs = std::move(tmp).value()

// The same two for coroutines (co_return instead of return).
#define VIGIL_CO_RETURN_IF_ERROR(expr) \
  do {                                 \
    auto vigil_status_ = (expr);       \
    if (!vigil_status_.ok()) {         \
      co_return vigil_status_.error(); \
    }                                  \
  } while (false)
#define VIGIL_CO_ASSIGN_OR_RETURN(lhs, expr) \
  VIGIL_CO_ASSIGN_OR_RETURN_IMPL(VIGIL_CONCAT(vigil_result_, __LINE__), lhs, expr)
#define VIGIL_CO_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) {                                     \
    co_return tmp.error();                             \
  }                                                    \
  lhs = std::move(tmp).value()
