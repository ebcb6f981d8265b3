#pragma once

#include <chrono>
#include <filesystem>

#include "access/second_factor.hpp"
#include "totp/client.hpp"

namespace telclaude::access {

/// second_factor over the TOTP daemon's socket (totp::totp_client): one
/// short connection per question, bounded by `timeout`.
class totp_factor final : public second_factor {
public:
  totp_factor(std::filesystem::path socket_path,
              std::chrono::milliseconds timeout = std::chrono::seconds{3});

  status_answer status(std::int64_t user) override;
  setup_answer setup(std::int64_t user) override;
  code_answer verify(std::int64_t user, std::string_view code) override;
  code_answer disable(std::int64_t user, std::string_view code) override;

private:
  totp::totp_client client_;
};

} // namespace telclaude::access
