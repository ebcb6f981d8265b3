#define BOOST_TEST_MODULE oathtool
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <random>
#include <string>

#include "totp/rfc6238.hpp"

using namespace telclaude::totp;

namespace {

/// oathtool's TOTP code, or "" when it cannot be run.
std::string oathtool(const std::string& base32, std::int64_t time,
                     int digits) {
  auto command = "oathtool --totp -d " + std::to_string(digits) + " -b "
                 + base32 + " --now=@" + std::to_string(time)
                 + " 2>/dev/null";
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[64];
    while (std::fgets(buffer, sizeof buffer, pipe))
      out += buffer;
    if (::pclose(pipe) != 0)
      return "";
  }
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(codes_agree_with_oathtool) {
  if (oathtool("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59, 8) != "94287082") {
    BOOST_TEST_MESSAGE("oathtool is not installed (scripts/setup-deps "
                       "installs it): skipping the cross-check");
    return;
  }
  std::mt19937_64 random{20261121};
  std::uniform_int_distribution<std::int64_t> times{0, 4'102'444'800};
  for (int i = 0; i < 40; ++i) {
    auto secret = generate_secret();
    auto base32 = base32_encode(secret);
    auto time = times(random);
    int digits = i % 2 == 0 ? 6 : 8;
    BOOST_TEST(code_at(secret, time, digits) == oathtool(base32, time, digits),
               base32 << " at " << time);
  }
}
