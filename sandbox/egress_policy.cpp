#include "sandbox/egress_policy.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace telclaude::sandbox {

namespace {

std::string lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  });
  return out;
}

/// a.b.c.d as one number.
std::uint32_t v4_number(const std::uint8_t* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16)
       | (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]};
}

bool in_v4(std::uint32_t a, std::uint32_t net, int bits) {
  std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (a & mask) == (net & mask);
}

constexpr std::uint32_t v4(int a, int b, int c, int d) {
  return (std::uint32_t(a) << 24) | (std::uint32_t(b) << 16)
       | (std::uint32_t(c) << 8) | std::uint32_t(d);
}

address_kind classify_v4(std::uint32_t a) {
  if (a == v4(169, 254, 169, 254) || a == v4(169, 254, 170, 2)
      || a == v4(169, 254, 169, 123) || a == v4(100, 100, 100, 200))
    return address_kind::metadata;
  if (in_v4(a, v4(0, 0, 0, 0), 8))
    return address_kind::unspecified;
  if (in_v4(a, v4(127, 0, 0, 0), 8))
    return address_kind::loopback;
  if (in_v4(a, v4(169, 254, 0, 0), 16))
    return address_kind::link_local;
  if (in_v4(a, v4(10, 0, 0, 0), 8) || in_v4(a, v4(172, 16, 0, 0), 12)
      || in_v4(a, v4(192, 168, 0, 0), 16) || in_v4(a, v4(100, 64, 0, 0), 10))
    return address_kind::private_net;
  if (a == v4(255, 255, 255, 255) || in_v4(a, v4(224, 0, 0, 0), 4))
    return address_kind::multicast;
  if (in_v4(a, v4(192, 0, 0, 0), 24) || in_v4(a, v4(192, 0, 2, 0), 24)
      || in_v4(a, v4(198, 51, 100, 0), 24)
      || in_v4(a, v4(203, 0, 113, 0), 24) || in_v4(a, v4(198, 18, 0, 0), 15)
      || in_v4(a, v4(240, 0, 0, 0), 4))
    return address_kind::reserved;
  return address_kind::global;
}

bool prefix_is(const std::array<std::uint8_t, 16>& b,
               std::initializer_list<std::uint8_t> prefix) {
  return std::equal(prefix.begin(), prefix.end(), b.begin());
}

} // namespace

std::optional<ip_address> ip_address::parse(std::string_view text) {
  if (text.size() > 64)
    return std::nullopt;
  std::string s{text};
  ip_address out;
  if (::inet_pton(AF_INET, s.c_str(), out.bytes.data()) == 1)
    return out;
  out.v6 = true;
  if (::inet_pton(AF_INET6, s.c_str(), out.bytes.data()) == 1)
    return out;
  return std::nullopt;
}

std::string ip_address::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

std::string_view to_string(address_kind kind) {
  switch (kind) {
  case address_kind::global: return "public";
  case address_kind::metadata: return "cloud metadata";
  case address_kind::loopback: return "loopback";
  case address_kind::link_local: return "link-local";
  case address_kind::private_net: return "private";
  case address_kind::unspecified: return "unspecified";
  case address_kind::multicast: return "multicast";
  case address_kind::reserved: return "reserved";
  }
  return "unknown";
}

address_kind classify(const ip_address& address) {
  const auto& b = address.bytes;
  if (!address.v6)
    return classify_v4(v4_number(b.data()));
  // Addresses that carry a v4 address are judged by it: v4-mapped
  // ::ffff:a.b.c.d, v4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4.
  static const std::array<std::uint8_t, 12> mapped{0, 0, 0, 0, 0, 0,
                                                   0, 0, 0, 0, 0xff, 0xff};
  static const std::array<std::uint8_t, 12> nat64{0, 0x64, 0xff, 0x9b, 0, 0,
                                                  0, 0, 0, 0, 0, 0};
  bool zero_high = std::all_of(b.begin(), b.begin() + 12,
                               [](std::uint8_t x) { return x == 0; });
  if (zero_high) {
    auto low = v4_number(b.data() + 12);
    if (low == 0)
      return address_kind::unspecified;
    if (low == 1)
      return address_kind::loopback;
    return classify_v4(low);
  }
  if (std::equal(mapped.begin(), mapped.end(), b.begin())
      || std::equal(nat64.begin(), nat64.end(), b.begin()))
    return classify_v4(v4_number(b.data() + 12));
  if (prefix_is(b, {0x20, 0x02}))
    return classify_v4(v4_number(b.data() + 2));
  // fd00:ec2::254 (AWS IMDS over IPv6).
  static const std::array<std::uint8_t, 16> aws{0xfd, 0, 0x0e, 0xc2, 0, 0, 0,
                                                0,    0, 0,    0,    0, 0, 0,
                                                0x02, 0x54};
  if (b == aws)
    return address_kind::metadata;
  if (b[0] == 0xff)
    return address_kind::multicast;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
    return address_kind::link_local;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
    return address_kind::private_net;  // deprecated site-local
  if ((b[0] & 0xfe) == 0xfc)
    return address_kind::private_net;  // ULA fc00::/7
  if (prefix_is(b, {0x20, 0x01, 0x0d, 0xb8})      // documentation
      || prefix_is(b, {0x20, 0x01, 0x00, 0x00})   // Teredo
      || prefix_is(b, {0x01, 0x00, 0, 0, 0, 0, 0, 0}))  // discard
    return address_kind::reserved;
  return address_kind::global;
}

std::optional<host_port> parse_host_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return std::nullopt;
  auto host = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(),
                                   port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size()
      || port < 1 || port > 65535 || port_text[0] == '0')
    return std::nullopt;
  host_port out;
  out.port = static_cast<std::uint16_t>(port);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']')
      return std::nullopt;
    host = host.substr(1, host.size() - 2);
    auto addr = ip_address::parse(host);
    if (!addr || !addr->v6)
      return std::nullopt;
    out.host = addr->to_string();
    return out;
  }
  if (host.find(':') != std::string_view::npos || host.size() > 253)
    return std::nullopt;
  bool ok = std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  });
  if (!ok || host.front() == '.' || host.front() == '-')
    return std::nullopt;
  out.host = lower(host);
  while (out.host.ends_with('.'))
    out.host.pop_back();  // "example.com." is "example.com"
  if (out.host.empty())
    return std::nullopt;
  return out;
}

bool domain_matches(std::string_view pattern, std::string_view host) {
  if (pattern.starts_with("*.")) {
    auto suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && host.ends_with(suffix);
  }
  return host == pattern;
}

bool is_metadata_name(std::string_view host) {
  for (std::string_view name :
       {"metadata.google.internal", "metadata.goog", "metadata",
        "instance-data", "instance-data.ec2.internal",
        "metadata.azure.com", "metadata.packet.net",
        "metadata.platformequinix.com", "metadata.tencentyun.com"})
    if (host == name)
      return true;
  return host.ends_with(".metadata.google.internal");
}

egress_policy::egress_policy(std::vector<std::string> allowed_domains,
                             std::vector<std::string> allow_hosts) {
  for (auto& d : allowed_domains)
    domains_.push_back(lower(d));
  for (const auto& h : allow_hosts)
    if (auto parsed = parse_host_port(h))
      hosts_.push_back(*parsed);
}

bool egress_policy::is_listed_host(const host_port& target) const {
  return std::find(hosts_.begin(), hosts_.end(), target) != hosts_.end();
}

egress_decision egress_policy::check_name(const host_port& target) const {
  if (is_metadata_name(target.host))
    return {false, "\"" + target.host + "\" is a cloud metadata endpoint"};
  auto literal = ip_address::parse(target.host);
  if (literal && classify(*literal) == address_kind::metadata)
    return {false, target.host + " is a cloud metadata endpoint"};
  if (is_listed_host(target))
    return {true, {}};
  if (literal) {
    return {false, "address " + target.host + " is not in "
                     "sandbox.network.allowHosts (port "
                     + std::to_string(target.port) + ")"};
  }
  for (const auto& d : domains_)
    if (domain_matches(d, target.host))
      return {true, {}};
  return {false, "\"" + target.host + "\" is not in "
                   "sandbox.network.allowedDomains"};
}

egress_decision egress_policy::check_address(const host_port& target,
                                             const ip_address& address) const {
  auto kind = classify(address);
  if (kind == address_kind::global)
    return {true, {}};
  auto why = target.host + " resolves to " + address.to_string() + ", a "
           + std::string{to_string(kind)} + " address";
  if (kind == address_kind::metadata || kind == address_kind::link_local)
    return {false, why + ", never reachable"};
  if (is_listed_host(target))
    return {true, {}};
  return {false, why + "; list \"" + target.host + ":"
                   + std::to_string(target.port)
                   + "\" in sandbox.network.allowHosts to allow it"};
}

} // namespace telclaude::sandbox
