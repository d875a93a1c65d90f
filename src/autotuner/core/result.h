#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "autotuner/core/error.h"

namespace autotuner {

// The value of an operation that can fail in an expected way, or the typed Error saying why.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

// Success carries nothing; failure carries an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Error MakeError(ErrorCode code, std::string message,
                       nlohmann::ordered_json details = nlohmann::ordered_json::object()) {
  return Error{code, std::move(message), std::move(details), std::nullopt};
}

// An error that is also an experiment failure (Error::failure).
inline Error MakeFailure(FailureClass failure, ErrorCode code, std::string message,
                         nlohmann::ordered_json details = nlohmann::ordered_json::object()) {
  return Error{code, std::move(message), std::move(details), failure};
}

}  // namespace autotuner
