#define BOOST_TEST_MODULE egress_policy
#include <boost/test/unit_test.hpp>

#include "sandbox/egress_policy.hpp"

using namespace telclaude::sandbox;

namespace {

address_kind kind(const char* text) {
  auto a = ip_address::parse(text);
  BOOST_TEST_REQUIRE(a.has_value(), text);
  return classify(*a);
}

host_port hp(const char* text) {
  auto parsed = parse_host_port(text);
  BOOST_TEST_REQUIRE(parsed.has_value(), text);
  return *parsed;
}

} // namespace

BOOST_AUTO_TEST_CASE(ipv4_classification) {
  BOOST_TEST((kind("169.254.169.254") == address_kind::metadata));
  BOOST_TEST((kind("169.254.170.2") == address_kind::metadata));
  BOOST_TEST((kind("100.100.100.200") == address_kind::metadata));
  BOOST_TEST((kind("169.254.1.1") == address_kind::link_local));
  BOOST_TEST((kind("127.0.0.1") == address_kind::loopback));
  BOOST_TEST((kind("127.255.0.9") == address_kind::loopback));
  BOOST_TEST((kind("10.1.2.3") == address_kind::private_net));
  BOOST_TEST((kind("172.16.0.1") == address_kind::private_net));
  BOOST_TEST((kind("172.31.255.255") == address_kind::private_net));
  BOOST_TEST((kind("172.32.0.1") == address_kind::global));
  BOOST_TEST((kind("192.168.1.1") == address_kind::private_net));
  BOOST_TEST((kind("100.64.0.1") == address_kind::private_net));
  BOOST_TEST((kind("100.127.255.255") == address_kind::private_net));
  BOOST_TEST((kind("100.128.0.1") == address_kind::global));
  BOOST_TEST((kind("0.0.0.0") == address_kind::unspecified));
  BOOST_TEST((kind("224.0.0.1") == address_kind::multicast));
  BOOST_TEST((kind("255.255.255.255") == address_kind::multicast));
  BOOST_TEST((kind("192.0.2.5") == address_kind::reserved));
  BOOST_TEST((kind("240.0.0.1") == address_kind::reserved));
  BOOST_TEST((kind("160.79.104.10") == address_kind::global));
  BOOST_TEST((kind("8.8.8.8") == address_kind::global));
}

BOOST_AUTO_TEST_CASE(ipv6_and_v4_carrying_addresses) {
  BOOST_TEST((kind("fd00:ec2::254") == address_kind::metadata));
  BOOST_TEST((kind("::1") == address_kind::loopback));
  BOOST_TEST((kind("::") == address_kind::unspecified));
  BOOST_TEST((kind("fe80::1") == address_kind::link_local));
  BOOST_TEST((kind("fd12:3456::1") == address_kind::private_net));
  BOOST_TEST((kind("fc00::1") == address_kind::private_net));
  BOOST_TEST((kind("ff02::1") == address_kind::multicast));
  BOOST_TEST((kind("2001:db8::1") == address_kind::reserved));
  BOOST_TEST((kind("2607:6bc0::10") == address_kind::global));
  // v4-mapped, v4-compatible, NAT64 and 6to4 are judged by their v4.
  BOOST_TEST((kind("::ffff:169.254.169.254") == address_kind::metadata));
  BOOST_TEST((kind("::ffff:127.0.0.1") == address_kind::loopback));
  BOOST_TEST((kind("::ffff:10.0.0.1") == address_kind::private_net));
  BOOST_TEST((kind("::ffff:8.8.8.8") == address_kind::global));
  BOOST_TEST((kind("::10.0.0.1") == address_kind::private_net));
  BOOST_TEST((kind("64:ff9b::a9fe:a9fe") == address_kind::metadata));
  BOOST_TEST((kind("2002:c0a8:0101::1") == address_kind::private_net));
  BOOST_TEST(!ip_address::parse("example.com").has_value());
  BOOST_TEST(!ip_address::parse("1.2.3").has_value());
}

BOOST_AUTO_TEST_CASE(host_port_parsing) {
  BOOST_TEST((hp("api.anthropic.com:443") == host_port{"api.anthropic.com",
                                                       443}));
  BOOST_TEST((hp("API.Anthropic.COM.:443") == host_port{"api.anthropic.com",
                                                        443}));
  BOOST_TEST((hp("127.0.0.1:8080") == host_port{"127.0.0.1", 8080}));
  BOOST_TEST((hp("[::1]:9000") == host_port{"::1", 9000}));
  BOOST_TEST((hp("[0:0::1]:9000") == host_port{"::1", 9000}));
  BOOST_TEST((hp("x.example:65535").port == 65535));
  for (const char* bad : {"example.com", "example.com:", ":443",
                          "example.com:0", "example.com:65536",
                          "example.com:080", "example.com:44a", "::1:80",
                          "[::1]", "[example.com]:80", "a b:80",
                          "exa/mple:80", ".example.com:80"})
    BOOST_TEST(!parse_host_port(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(domain_matching) {
  BOOST_TEST(domain_matches("api.anthropic.com", "api.anthropic.com"));
  BOOST_TEST(!domain_matches("api.anthropic.com", "x.api.anthropic.com"));
  BOOST_TEST(!domain_matches("api.anthropic.com", "api.anthropic.com.evil"));
  BOOST_TEST(domain_matches("*.example.com", "a.example.com"));
  BOOST_TEST(domain_matches("*.example.com", "a.b.example.com"));
  BOOST_TEST(!domain_matches("*.example.com", "example.com"));
  BOOST_TEST(!domain_matches("*.example.com", "badexample.com"));
  BOOST_TEST(!domain_matches("*.example.com", "example.com.evil.net"));
}

BOOST_AUTO_TEST_CASE(names_are_checked_before_resolving) {
  egress_policy p{{"api.anthropic.com", "*.example.com"},
                  {"127.0.0.1:8080", "db.corp.example:5432",
                   "169.254.169.254:80", "metadata.google.internal:80"}};
  BOOST_TEST(p.check_name(hp("api.anthropic.com:443")).allowed);
  BOOST_TEST(p.check_name(hp("a.example.com:443")).allowed);
  BOOST_TEST(p.check_name(hp("127.0.0.1:8080")).allowed);
  auto d = p.check_name(hp("evil.net:443"));
  BOOST_TEST(!d.allowed);
  BOOST_TEST(d.reason
             == "\"evil.net\" is not in sandbox.network.allowedDomains");
  d = p.check_name(hp("127.0.0.1:8081"));
  BOOST_TEST(!d.allowed);
  BOOST_TEST(d.reason == "address 127.0.0.1 is not in "
                         "sandbox.network.allowHosts (port 8081)");
  // Metadata never, even when listed.
  d = p.check_name(hp("metadata.google.internal:80"));
  BOOST_TEST(!d.allowed);
  BOOST_TEST(d.reason
             == "\"metadata.google.internal\" is a cloud metadata endpoint");
  BOOST_TEST(!p.check_name(hp("169.254.169.254:80")).allowed);
  BOOST_TEST(!p.check_name(hp("[fd00:ec2::254]:80")).allowed);
}

BOOST_AUTO_TEST_CASE(addresses_are_checked_after_resolving) {
  egress_policy p{{"api.anthropic.com", "*.example.com"},
                  {"127.0.0.1:8080", "db.corp.example:5432",
                   "rebind.example.com:443"}};
  auto addr = [](const char* t) { return *ip_address::parse(t); };
  BOOST_TEST(p.check_address(hp("api.anthropic.com:443"),
                             addr("160.79.104.10")).allowed);
  // An allowed name that resolves to a private address (rebinding).
  auto d = p.check_address(hp("a.example.com:443"), addr("10.0.0.5"));
  BOOST_TEST(!d.allowed);
  BOOST_TEST(d.reason == "a.example.com resolves to 10.0.0.5, a private "
                         "address; list \"a.example.com:443\" in "
                         "sandbox.network.allowHosts to allow it");
  BOOST_TEST(!p.check_address(hp("a.example.com:443"),
                              addr("::ffff:127.0.0.1")).allowed);
  BOOST_TEST(!p.check_address(hp("a.example.com:443"),
                              addr("100.64.1.1")).allowed);
  // Listed host:port entries may be private or loopback...
  BOOST_TEST(p.check_address(hp("127.0.0.1:8080"),
                             addr("127.0.0.1")).allowed);
  BOOST_TEST(p.check_address(hp("db.corp.example:5432"),
                             addr("10.1.1.1")).allowed);
  // ...but never metadata or link-local.
  d = p.check_address(hp("rebind.example.com:443"), addr("169.254.169.254"));
  BOOST_TEST(!d.allowed);
  BOOST_TEST(d.reason == "rebind.example.com resolves to 169.254.169.254, a "
                         "cloud metadata address, never reachable");
  BOOST_TEST(!p.check_address(hp("rebind.example.com:443"),
                              addr("fd00:ec2::254")).allowed);
  BOOST_TEST(!p.check_address(hp("rebind.example.com:443"),
                              addr("fe80::1")).allowed);
}
