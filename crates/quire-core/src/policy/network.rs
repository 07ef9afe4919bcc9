//! IP networks in CIDR notation (`203.0.113.0/24`, `2001:db8::/32`, or a bare address) for
//! blocklists. Host bits are masked off on parsing; IPv4 clients seen through an IPv4-mapped IPv6
//! socket (`::ffff:203.0.113.7`) match IPv4 networks.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// An IPv4 or IPv6 network: an address with its host bits cleared and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IpNetwork {
    base: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    /// The network of exactly one address (`/32` or `/128`).
    pub fn host(addr: IpAddr) -> IpNetwork {
        let addr = addr.to_canonical();
        IpNetwork { base: addr, prefix: max_prefix(addr) }
    }

    /// The network's first address (host bits cleared).
    pub fn base(&self) -> IpAddr {
        self.base
    }

    /// How many leading bits an address must share with [`base`](Self::base) to belong.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `addr` belongs to this network. An IPv4-mapped IPv6 address is compared as the IPv4
    /// address it carries; otherwise IPv4 and IPv6 never match each other.
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.base, addr.to_canonical()) {
            (IpAddr::V4(base), IpAddr::V4(a)) => mask_v4(a, self.prefix) == base,
            (IpAddr::V6(base), IpAddr::V6(a)) => mask_v6(a, self.prefix) == base,
            _ => false,
        }
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn mask_v4(addr: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    // `checked_shl` is `None` for a shift of 32, i.e. for `/0`, whose mask is all zeros.
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    Ipv4Addr::from(addr.to_bits() & mask)
}

fn mask_v6(addr: Ipv6Addr, prefix: u8) -> Ipv6Addr {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    Ipv6Addr::from(addr.to_bits() & mask)
}

impl std::str::FromStr for IpNetwork {
    type Err = ParseError;

    /// Parses `ADDRESS` or `ADDRESS/PREFIX`; an IPv4-mapped IPv6 network of prefix 96 or more
    /// becomes the IPv4 network it stands for.
    fn from_str(input: &str) -> Result<IpNetwork, ParseError> {
        let text = input.trim();
        let bad = |why: &str| ParseError(format!("“{text}” is not an IP address or network: {why}."));
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr =
            addr_text.parse().map_err(|_| bad("write an address like 203.0.113.7 or a network like 203.0.113.0/24"))?;
        let max = max_prefix(addr);
        let prefix = match prefix_text {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => return Err(bad(&format!("the number after “/” must be between 0 and {max}"))),
            },
        };
        let (addr, prefix) = match addr {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) if prefix >= 96 => (IpAddr::V4(v4), prefix - 96),
                _ => (addr, prefix),
            },
            IpAddr::V4(_) => (addr, prefix),
        };
        let base = match addr {
            IpAddr::V4(a) => IpAddr::V4(mask_v4(a, prefix)),
            IpAddr::V6(a) => IpAddr::V6(mask_v6(a, prefix)),
        };
        Ok(IpNetwork { base, prefix })
    }
}

impl TryFrom<String> for IpNetwork {
    type Error = ParseError;

    fn try_from(value: String) -> Result<IpNetwork, ParseError> {
        value.parse()
    }
}

impl From<IpNetwork> for String {
    fn from(network: IpNetwork) -> String {
        network.to_string()
    }
}

impl std::fmt::Display for IpNetwork {
    /// A single address prints bare; a wider network prints in CIDR notation.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.prefix == max_prefix(self.base) {
            write!(f, "{}", self.base)
        } else {
            write!(f, "{}/{}", self.base, self.prefix)
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error, StrDeserializer};

    use super::*;

    fn net(text: &str) -> IpNetwork {
        match text.parse() {
            Ok(n) => n,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn ip(text: &str) -> IpAddr {
        match text.parse() {
            Ok(a) => a,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    #[test]
    fn an_ipv4_network_holds_its_addresses_and_no_others() {
        let n = net("203.0.113.0/24");
        assert!(n.contains(ip("203.0.113.0")) && n.contains(ip("203.0.113.255")));
        assert!(!n.contains(ip("203.0.114.0")) && !n.contains(ip("203.0.112.255")));
    }

    #[test]
    fn an_ipv6_network_holds_its_addresses_and_no_others() {
        let n = net("2001:db8::/32");
        assert!(n.contains(ip("2001:db8::1")) && n.contains(ip("2001:db8:ffff:ffff::1")));
        assert!(!n.contains(ip("2001:db9::1")));
    }

    #[test]
    fn an_ipv4_client_seen_through_an_ipv6_socket_matches_ipv4_networks() {
        assert!(net("203.0.113.0/24").contains(ip("::ffff:203.0.113.7")));
        assert!(!net("203.0.113.0/24").contains(ip("::ffff:198.51.100.7")));
    }

    #[test]
    fn an_ipv4_mapped_network_is_read_as_the_ipv4_network() {
        assert_eq!(net("::ffff:203.0.113.0/120"), net("203.0.113.0/24"));
    }

    #[test]
    fn ipv4_and_ipv6_networks_never_match_each_other() {
        assert!(!net("0.0.0.0/0").contains(ip("2001:db8::1")));
        assert!(!net("::/0").contains(ip("203.0.113.7")));
    }

    #[test]
    fn slash_zero_holds_every_address_of_its_family() {
        assert!(net("0.0.0.0/0").contains(ip("255.255.255.255")) && net("0.0.0.0/0").contains(ip("0.0.0.0")));
        assert!(net("::/0").contains(ip("ffff::1")));
    }

    #[test]
    fn a_bare_address_or_slash_32_holds_only_itself() {
        assert_eq!(net("203.0.113.7"), net("203.0.113.7/32"));
        assert!(net("203.0.113.7/32").contains(ip("203.0.113.7")));
        assert!(
            !net("203.0.113.7/32").contains(ip("203.0.113.6")) && !net("203.0.113.7/32").contains(ip("203.0.113.8"))
        );
        assert!(
            net("2001:db8::7/128").contains(ip("2001:db8::7")) && !net("2001:db8::7/128").contains(ip("2001:db8::6"))
        );
    }

    #[test]
    fn host_bits_are_cleared_so_the_network_prints_as_meant() {
        assert_eq!(net("203.0.113.7/24").to_string(), "203.0.113.0/24");
        assert_eq!(net(" 2001:db8::1/32 ").to_string(), "2001:db8::/32");
        assert_eq!(net("203.0.113.7").to_string(), "203.0.113.7");
    }

    #[test]
    fn malformed_networks_are_refused_with_a_message_saying_why() {
        let err = "203.0.113.0/33".parse::<IpNetwork>().map_err(|e| e.to_string());
        assert_eq!(
            err,
            Err("“203.0.113.0/33” is not an IP address or network: the number after “/” must be between 0 and 32."
                .into())
        );
        for bad in ["", "203.0.113", "203.0.113.0/", "203.0.113.0/-1", "2001:db8::/129", "example.org", "1.2.3.4/8/8"] {
            assert!(bad.parse::<IpNetwork>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn networks_are_stored_as_their_cidr_text() {
        let text: StrDeserializer<'_, Error> = "198.51.100.0/24".into_deserializer();
        assert_eq!(IpNetwork::deserialize(text), Ok(net("198.51.100.0/24")));
        assert_eq!(String::from(net("2001:db8::/32")), "2001:db8::/32");
    }

    proptest! {
        #[test]
        fn every_address_belongs_to_its_own_networks(bits in any::<u32>(), prefix in 0_u8..=32) {
            let addr = IpAddr::V4(Ipv4Addr::from(bits));
            let n = net(&format!("{addr}/{prefix}"));
            prop_assert!(n.contains(addr));
            prop_assert!(IpNetwork::host(addr).contains(addr));
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(text in ".{0,60}") {
            let _ = text.parse::<IpNetwork>();
        }
    }
}
