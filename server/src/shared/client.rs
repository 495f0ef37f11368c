//! Which address a request came from. Only for a connection from a trusted proxy
//! (`--trusted-proxy`) is the address the proxy forwarded believed: the rightmost one in
//! `Forwarded` (RFC 7239) or, when there is no `Forwarded`, in `X-Forwarded-For`, that is
//! not itself a trusted proxy. Entries to its left were written by the client or by
//! proxies nobody vouches for, so they are never read.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The most forwarded entries read, from the right, per request: more hops than any
/// real chain of proxies has.
pub const MAX_FORWARDED_ENTRIES: usize = 32;

/// The address ranges whose connections may say which client they forward.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// `10.0.0.0/8`, `2001:db8::/32`, or one address (`127.0.0.1`, a /32 or /128); each
    /// item may itself be a comma-separated list (as the environment variable gives it).
    /// `Err` names the first item that is not one.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in items.iter().flat_map(|i| i.as_ref().split(',')) {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let net = match item.parse::<IpNet>() {
                Ok(net) => net.trunc(),
                Err(_) => match item.parse::<IpAddr>() {
                    Ok(ip) => IpNet::from(ip),
                    Err(_) => {
                        return Err(format!(
                            "--trusted-proxy {item:?} is not an address range such as 127.0.0.1/32 or 2001:db8::/32"
                        ))
                    }
                },
            };
            nets.push(net);
        }
        Ok(Self(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `ip` (an IPv4-mapped IPv6 address as its IPv4) is in a trusted range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a connection from `peer` with these request headers.
    pub fn client_of(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return peer;
        }
        if headers.contains_key("forwarded") {
            self.rightmost_untrusted(peer, forwarded_for(headers))
        } else {
            self.rightmost_untrusted(peer, x_forwarded_for(headers))
        }
    }

    /// Walk the hops from the right (the nearest first), past trusted proxies, to the
    /// first address that is not one. An entry that is not an address (`unknown`, an
    /// obfuscated `_name`, garbage) ends the walk: nothing to its left can be believed,
    /// so the client is the last trusted hop. At most [`MAX_FORWARDED_ENTRIES`] are read.
    fn rightmost_untrusted(&self, peer: IpAddr, hops: impl Iterator<Item = Option<IpAddr>>) -> IpAddr {
        let mut client = peer;
        for hop in hops.take(MAX_FORWARDED_ENTRIES) {
            let Some(ip) = hop.map(|ip| ip.to_canonical()) else { break };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        client
    }
}

/// The entries of every `name` header, rightmost (last header, last entry) first.
fn entries_from_the_right<'a>(headers: &'a HeaderMap, name: &'static str) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(name)
        .iter()
        .rev()
        // A value that is not visible ASCII is one entry nobody can read.
        .flat_map(|v| v.to_str().unwrap_or("?").rsplit(','))
        .map(str::trim)
}

/// `X-Forwarded-For: client, proxy1, proxy2`, from the right.
fn x_forwarded_for(headers: &HeaderMap) -> impl Iterator<Item = Option<IpAddr>> + '_ {
    entries_from_the_right(headers, "x-forwarded-for").map(node_address)
}

/// The `for=` of each `Forwarded` element (`for=192.0.2.60;proto=https, for="[2001:db8::1]:4711"`),
/// from the right. An element without `for=` says nothing of the client: `None`.
fn forwarded_for(headers: &HeaderMap) -> impl Iterator<Item = Option<IpAddr>> + '_ {
    entries_from_the_right(headers, "forwarded").map(|element| {
        element
            .split(';')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
            .and_then(|(_, value)| node_address(value.trim().trim_matches('"')))
    })
}

/// A node as RFC 7239 §6 writes it, or as `X-Forwarded-For` does: `192.0.2.43`,
/// `192.0.2.43:47011`, `[2001:db8::1]`, `[2001:db8::1]:4711`, `2001:db8::1`. `None` for
/// `unknown`, an obfuscated `_name` or anything else.
fn node_address(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        let (ip, port) = rest.split_once(']')?;
        if !(port.is_empty() || port.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        return ip.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6);
    }
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    let (ip, port) = node.split_once(':')?;
    if !is_port(port) {
        return None;
    }
    ip.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

fn is_port(port: &str) -> bool {
    !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    fn trusted(ranges: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(ranges).unwrap_or_default()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_str(value) {
                map.append(*name, value);
            }
        }
        map
    }

    #[test]
    fn ranges_parse_and_a_bad_one_is_named() {
        let t = trusted(&["127.0.0.1/32", "10.0.0.0/8, 2001:db8::/32", "192.0.2.9", "::1"]);
        for inside in ["127.0.0.1", "10.1.2.3", "2001:db8:5::1", "192.0.2.9", "::1", "::ffff:10.9.9.9"] {
            assert!(t.contains(ip(inside)), "{inside}");
        }
        for outside in ["127.0.0.2", "11.0.0.1", "2001:db9::1", "192.0.2.10"] {
            assert!(!t.contains(ip(outside)), "{outside}");
        }
        assert_eq!(trusted(&["10.1.2.3/8"]), trusted(&["10.0.0.0/8"]), "host bits are dropped");
        for bad in ["10.0.0.0/33", "localhost", "10.0.0/8", "2001:db8::/129"] {
            let err = TrustedProxies::parse(&["127.0.0.1/32", bad]).err().unwrap_or_default();
            assert!(err.contains(&format!("{bad:?}")) && !err.contains('\n'), "{bad}: {err}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_sends() {
        let h = headers(&[("x-forwarded-for", "198.51.100.1"), ("forwarded", "for=198.51.100.2")]);
        assert_eq!(trusted(&["10.0.0.0/8"]).client_of(ip("203.0.113.5"), &h), ip("203.0.113.5"));
        assert_eq!(TrustedProxies::default().client_of(ip("127.0.0.1"), &h), ip("127.0.0.1"));
    }

    #[test]
    fn x_forwarded_for_is_read_from_the_right_past_trusted_hops() {
        let t = trusted(&["127.0.0.1/32", "10.0.0.0/8"]);
        let client = |xff: &[&str]| {
            let pairs: Vec<_> = xff.iter().map(|v| ("x-forwarded-for", *v)).collect();
            t.client_of(ip("127.0.0.1"), &headers(&pairs)).to_string()
        };
        assert_eq!(client(&["203.0.113.7"]), "203.0.113.7");
        assert_eq!(client(&["203.0.113.7, 10.0.0.2, 10.0.0.3"]), "203.0.113.7", "trusted hops skipped");
        assert_eq!(client(&["6.6.6.6, 203.0.113.7"]), "203.0.113.7", "a spoofed leftmost entry is not read");
        assert_eq!(client(&["6.6.6.6, 203.0.113.7, 10.0.0.2"]), "203.0.113.7");
        assert_eq!(client(&["6.6.6.6", "203.0.113.7"]), "203.0.113.7", "the last header is the nearest");
        assert_eq!(client(&["203.0.113.7:5555"]), "203.0.113.7", "with a port");
        assert_eq!(client(&["2001:db8::7"]), "2001:db8::7");
        assert_eq!(client(&["::ffff:203.0.113.7"]), "203.0.113.7");
        assert_eq!(
            client(&["6.6.6.6, garbage, 10.0.0.2"]),
            "10.0.0.2",
            "nothing left of garbage is believed"
        );
        assert_eq!(client(&["10.0.0.2, 10.0.0.3"]), "10.0.0.2", "all trusted: the farthest");
        assert_eq!(client(&[]), "127.0.0.1", "no header: the peer");
    }

    #[test]
    fn forwarded_is_read_in_its_rfc_7239_forms_and_wins_over_x_forwarded_for() {
        let t = trusted(&["127.0.0.1/32", "10.0.0.0/8", "2001:db8:ffff::/48"]);
        let client = |forwarded: &str| {
            let h = headers(&[("forwarded", forwarded), ("x-forwarded-for", "198.51.100.99")]);
            t.client_of(ip("127.0.0.1"), &h).to_string()
        };
        assert_eq!(client("for=192.0.2.60;proto=https;by=203.0.113.43"), "192.0.2.60");
        assert_eq!(client("For=\"192.0.2.60:8080\""), "192.0.2.60");
        assert_eq!(client("for=\"[2001:db8:cafe::17]:4711\""), "2001:db8:cafe::17");
        assert_eq!(client("for=\"[2001:db8:cafe::17]\", for=10.0.0.2"), "2001:db8:cafe::17");
        assert_eq!(client("for=6.6.6.6, for=192.0.2.43, for=\"[2001:db8:ffff::1]\""), "192.0.2.43");
        assert_eq!(client("proto=https;for=192.0.2.43"), "192.0.2.43");
        // Not addresses: the walk stops, at the last trusted hop.
        assert_eq!(client("for=192.0.2.43, for=_hidden"), "127.0.0.1");
        assert_eq!(client("for=192.0.2.43, for=unknown, for=10.0.0.2"), "10.0.0.2");
        assert_eq!(client("proto=https"), "127.0.0.1");
        assert_eq!(client("for=\"[2001:db8::1]:x\""), "127.0.0.1");
        // Without Forwarded, X-Forwarded-For.
        let h = headers(&[("x-forwarded-for", "198.51.100.99")]);
        assert_eq!(t.client_of(ip("127.0.0.1"), &h), ip("198.51.100.99"));
    }

    #[test]
    fn at_most_32_entries_are_read() {
        let t = trusted(&["10.0.0.0/8"]);
        let hops = |n: usize| vec!["10.0.0.2"; n].join(", ");
        let under = format!("203.0.113.7, {}", hops(MAX_FORWARDED_ENTRIES - 1));
        assert_eq!(t.client_of(ip("10.0.0.1"), &headers(&[("x-forwarded-for", &under)])), ip("203.0.113.7"));
        let over = format!("203.0.113.7, {}", hops(MAX_FORWARDED_ENTRIES));
        assert_eq!(t.client_of(ip("10.0.0.1"), &headers(&[("x-forwarded-for", &over)])), ip("10.0.0.2"));
    }

    #[test]
    fn a_mapped_peer_is_trusted_as_its_ipv4() {
        let t = trusted(&["127.0.0.1/32"]);
        let h = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(t.client_of(ip("::ffff:127.0.0.1"), &h), ip("203.0.113.7"));
        assert_eq!(t.client_of(ip("::ffff:127.0.0.2"), &h), ip("127.0.0.2"));
    }
}
