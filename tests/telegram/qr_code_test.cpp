#define BOOST_TEST_MODULE qr_code
#include <boost/test/unit_test.hpp>

#include "telegram/qr_code.hpp"

#include <png.h>

#include <cstring>

using namespace telclaude::telegram;

namespace {

/// Decodes an 8-bit grey PNG with libpng's simplified API.
std::vector<std::uint8_t> decode_grey(const std::vector<std::uint8_t>& png,
                                      int& width, int& height) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  BOOST_REQUIRE(png_image_begin_read_from_memory(&image, png.data(),
                                                 png.size()));
  image.format = PNG_FORMAT_GRAY;
  std::vector<std::uint8_t> pixels(PNG_IMAGE_SIZE(image));
  BOOST_REQUIRE(png_image_finish_read(&image, nullptr, pixels.data(), 0,
                                      nullptr));
  width = static_cast<int>(image.width);
  height = static_cast<int>(image.height);
  return pixels;
}

const std::string uri =
  "otpauth://totp/telclaude:tg%3A42?secret=JBSWY3DPEHPK3PXP&issuer=telclaude"
  "&algorithm=SHA1&digits=6&period=30";

} // namespace

BOOST_AUTO_TEST_CASE(the_png_shows_every_module_with_a_quiet_zone) {
  auto qr = encode_qr(uri);
  BOOST_TEST(qr.width >= 21);
  BOOST_TEST((qr.width - 21) % 4 == 0);  // versions grow by 4 modules
  int w = 0, h = 0;
  auto pixels = decode_grey(qr_png(qr, 3), w, h);
  BOOST_TEST(w == (qr.width + 8) * 3);
  BOOST_TEST(h == w);
  int mismatches = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      int mx = x / 3 - 4, my = y / 3 - 4;
      bool dark = mx >= 0 && my >= 0 && mx < qr.width && my < qr.width
                  && qr.at(mx, my);
      mismatches += pixels[static_cast<std::size_t>(y) * w + x]
                    != (dark ? 0 : 255);
    }
  BOOST_TEST(mismatches == 0);
  // The finder patterns are where a reader looks for them: the top-left
  // module is dark, the one inside the ring light.
  BOOST_TEST(qr.at(0, 0));
  BOOST_TEST(!qr.at(1, 1));
  BOOST_TEST(qr.at(qr.width - 1, 0));
  BOOST_TEST(qr.at(0, qr.width - 1));
}

BOOST_AUTO_TEST_CASE(the_terminal_drawing_has_two_rows_per_line) {
  auto qr = encode_qr(uri);
  auto text = qr_terminal(qr);
  const int side = qr.width + 8;
  int lines = 0;
  std::size_t start = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos;
       start = nl + 1, nl = text.find('\n', start)) {
    ++lines;
    // Each cell is a space or a 3-byte block character.
    auto line = text.substr(start, nl - start);
    std::size_t cells = 0;
    for (std::size_t i = 0; i < line.size(); i += line[i] == ' ' ? 1 : 3)
      ++cells;
    BOOST_TEST(cells == static_cast<std::size_t>(side));
  }
  BOOST_TEST(lines == (side + 1) / 2);
  // The quiet zone's first line is all light.
  BOOST_TEST(text.substr(0, 3) == "█");
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused) {
  BOOST_CHECK_THROW(encode_qr(""), std::invalid_argument);
  BOOST_CHECK_THROW(encode_qr(std::string(2001, 'a')), std::invalid_argument);
  BOOST_CHECK_THROW(qr_png(encode_qr("x"), 0), std::invalid_argument);
}
