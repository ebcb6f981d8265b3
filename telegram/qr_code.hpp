#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::telegram {

/// A QR code's modules (libqrencode, error correction M, byte mode).
struct qr_matrix {
  int width = 0;  // modules per side
  /// width * width entries, row by row; true = dark.
  std::vector<bool> dark;

  bool at(int x, int y) const {
    return dark[static_cast<std::size_t>(y) * width + x];
  }
};

/// Encodes `text` (up to 2,000 bytes). Throws std::invalid_argument for
/// empty or longer text and std::runtime_error when libqrencode fails.
qr_matrix encode_qr(std::string_view text);

/// A PNG image of `qr` (8-bit grey): `scale` pixels per module and a
/// quiet zone of 4 modules around it, for sendPhoto. Throws
/// std::runtime_error when libpng fails.
std::vector<std::uint8_t> qr_png(const qr_matrix& qr, int scale = 8);

/// `qr` drawn for a terminal with half blocks (two module rows per line,
/// dark modules as spaces on a light background so phones read it on dark
/// and light terminals alike), quiet zone included; lines end with '\n'.
std::string qr_terminal(const qr_matrix& qr);

} // namespace telclaude::telegram
