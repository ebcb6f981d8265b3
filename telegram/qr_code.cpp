#include "telegram/qr_code.hpp"

#include <png.h>
#include <qrencode.h>

#include <memory>
#include <stdexcept>

namespace telclaude::telegram {

namespace {

constexpr int quiet_zone = 4;

} // namespace

qr_matrix encode_qr(std::string_view text) {
  if (text.empty() || text.size() > 2000)
    throw std::invalid_argument{"a QR code holds 1 to 2000 bytes"};
  std::string copy{text};  // libqrencode wants a NUL-terminated string
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code{
    QRcode_encodeString8bit(copy.c_str(), 0, QR_ECLEVEL_M), &QRcode_free};
  if (!code)
    throw std::runtime_error{"libqrencode could not encode the text"};
  qr_matrix qr;
  qr.width = code->width;
  qr.dark.resize(static_cast<std::size_t>(qr.width) * qr.width);
  for (std::size_t i = 0; i < qr.dark.size(); ++i)
    qr.dark[i] = (code->data[i] & 1) != 0;
  return qr;
}

std::vector<std::uint8_t> qr_png(const qr_matrix& qr, int scale) {
  if (scale < 1 || scale > 32)
    throw std::invalid_argument{"QR scale must be 1 to 32"};
  const int side = (qr.width + 2 * quiet_zone) * scale;
  std::vector<std::uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr,
                                            nullptr, nullptr);
  if (!png)
    throw std::runtime_error{"libpng: cannot create a writer"};
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    throw std::runtime_error{"libpng: cannot create the image info"};
  }
  std::vector<png_byte> row(static_cast<std::size_t>(side));
  // libpng reports errors by longjmp: nothing with a destructor may be
  // created between here and the end of the writing.
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw std::runtime_error{"libpng: writing the QR image failed"};
  }
  png_set_write_fn(
    png, &out,
    [](png_structp p, png_bytep data, png_size_t n) {
      auto* buffer = static_cast<std::vector<std::uint8_t>*>(png_get_io_ptr(p));
      buffer->insert(buffer->end(), data, data + n);
    },
    nullptr);
  png_set_IHDR(png, info, static_cast<png_uint_32>(side),
               static_cast<png_uint_32>(side), 8, PNG_COLOR_TYPE_GRAY,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < side; ++y) {
    const int my = y / scale - quiet_zone;
    for (int x = 0; x < side; ++x) {
      const int mx = x / scale - quiet_zone;
      const bool inside = mx >= 0 && my >= 0 && mx < qr.width && my < qr.width;
      row[static_cast<std::size_t>(x)] = inside && qr.at(mx, my) ? 0 : 255;
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

std::string qr_terminal(const qr_matrix& qr) {
  const int side = qr.width + 2 * quiet_zone;
  auto dark = [&](int x, int y) {
    const int mx = x - quiet_zone, my = y - quiet_zone;
    return mx >= 0 && my >= 0 && mx < qr.width && my < qr.width
           && qr.at(mx, my);
  };
  std::string out;
  for (int y = 0; y < side; y += 2) {
    for (int x = 0; x < side; ++x) {
      const bool top = dark(x, y);
      const bool bottom = y + 1 < side && dark(x, y + 1);
      // Light modules are drawn, dark ones left blank.
      if (!top && !bottom)
        out += "█";
      else if (!top)
        out += "▀";
      else if (!bottom)
        out += "▄";
      else
        out += ' ';
    }
    out += '\n';
  }
  return out;
}

} // namespace telclaude::telegram
