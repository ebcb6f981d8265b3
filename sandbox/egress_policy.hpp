#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace telclaude::sandbox {

/// An IP address, v4 or v6, in network byte order (v4: first 4 bytes).
struct ip_address {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};

  /// A literal ("10.0.0.1", "::1", "::ffff:10.0.0.1"), else nullopt.
  static std::optional<ip_address> parse(std::string_view text);
  std::string to_string() const;
  bool operator==(const ip_address&) const = default;
};

/// What kind of destination an address is.
enum class address_kind {
  global,       ///< an ordinary public address
  metadata,     ///< a cloud metadata endpoint: never reachable
  loopback,     ///< 127/8, ::1
  link_local,   ///< 169.254/16, fe80::/10
  private_net,  ///< RFC 1918, CGNAT 100.64/10, ULA fc00::/7, ...
  unspecified,  ///< 0.0.0.0/8, ::
  multicast,    ///< 224/4, ff00::/8, broadcast
  reserved,     ///< documentation, benchmarking, 240/4, ...
};

std::string_view to_string(address_kind kind);

/// The kind of `address`; a v4-mapped or NAT64 v6 address is judged as
/// the v4 address it carries.
address_kind classify(const ip_address& address);

/// `host:port`: a name, an IPv4 literal or `[v6]`, port 1 to 65535.
struct host_port {
  std::string host;  ///< lower case; v6 without brackets
  std::uint16_t port = 0;
  bool operator==(const host_port&) const = default;
};

/// Parses `host:port` (also the authority of a CONNECT request), else
/// nullopt.
std::optional<host_port> parse_host_port(std::string_view text);

/// Whether `host` (lower case) matches `pattern`: exact, or `*.suffix`
/// matching any name strictly below the suffix.
bool domain_matches(std::string_view pattern, std::string_view host);

/// Names that are metadata endpoints whatever they resolve to.
bool is_metadata_name(std::string_view host);

/// The proxy's decision about one destination.
struct egress_decision {
  bool allowed = false;
  std::string reason;  ///< why it was refused (empty when allowed)
};

/// The egress rules (`sandbox.network`), free of any I/O: the proxy asks
/// `check_name` before resolving and `check_address` for the address it
/// is about to connect to.
class egress_policy {
public:
  egress_policy(std::vector<std::string> allowed_domains,
                std::vector<std::string> allow_hosts);

  /// Whether `target` may be resolved and tried at all.
  egress_decision check_name(const host_port& target) const;

  /// Whether connecting to `address` for `target` is allowed: metadata
  /// never; loopback, link-local, private, unspecified, multicast and
  /// reserved only when `target` is listed in allowHosts (metadata and
  /// link-local never).
  egress_decision check_address(const host_port& target,
                                const ip_address& address) const;

  /// Whether `target` is listed in allowHosts.
  bool is_listed_host(const host_port& target) const;

private:
  std::vector<std::string> domains_;
  std::vector<host_port> hosts_;
};

} // namespace telclaude::sandbox
