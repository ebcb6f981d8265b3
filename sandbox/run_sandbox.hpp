#pragma once

#include "sandbox/bwrap.hpp"
#include "sandbox/write_guard.hpp"

#include <memory>
#include <string>
#include <vector>

namespace telclaude::sandbox {

/// The sandbox of one run, chosen by its tier: the relay's policy with the
/// workdir writable (WRITE_SAFE, FULL_ACCESS) or read-only (READ_ONLY),
/// and for a writable workdir a write_guard keeping sensitive file shapes
/// read-only for the run's duration.
class run_sandbox {
public:
  run_sandbox(const policy& base, bool workdir_writable,
              const std::vector<std::string>& deny_write);

  const policy& get() const noexcept {
    return policy_;
  }
  policy& get() noexcept {
    return policy_;
  }

  /// After the run: the sensitive-shaped files the run created (relative
  /// to the workdir) that the guard could not prevent. Idempotent.
  std::vector<std::string> finish();

private:
  policy policy_;
  std::unique_ptr<write_guard> guard_;
};

/// The loopback entries of `allow_hosts` (`127.0.0.1:8080`, `[::1]:9`,
/// `localhost:3000` as 127.0.0.1): the bridge listens on them inside the
/// sandbox so that a loopback ANTHROPIC_BASE_URL keeps working.
std::vector<std::string> loopback_forwards(
  const std::vector<std::string>& allow_hosts);

} // namespace telclaude::sandbox
