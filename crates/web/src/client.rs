//! Which client a request came from, for sign-in throttling and the audit
//! log. The connection's peer is the client unless it is one of the
//! reverse proxies the operator said to trust: then the client is the
//! nearest address in `X-Forwarded-For` that is not a trusted proxy. A
//! forwarded address from anyone else is ignored — any client can send the
//! header, so honouring it by default would let an attacker pick a fresh
//! address for every try.

use std::net::IpAddr;

/// A network of trusted proxies: an address and how many leading bits of
/// it must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Net {
    addr: IpAddr,
    bits: u8,
}

impl Net {
    fn parse(s: &str) -> Result<Net, String> {
        let (addr, bits) = match s.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("'{s}' is not an IP address or network (e.g. 10.0.0.0/8)"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            None => max,
            Some(b) => b
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|b| *b <= max)
                .ok_or_else(|| format!("'{s}': the prefix length must be 0 to {max}"))?,
        };
        Ok(Net { addr, bits })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let (a, b) = match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a) as u128, u32::from(b) as u128),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b)),
            _ => return false,
        };
        let width = if self.addr.is_ipv4() { 32 } else { 128 };
        let shift = width - u32::from(self.bits);
        shift >= width || (a >> shift) == (b >> shift)
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Net>);

impl TrustedProxies {
    /// A comma-separated list of addresses and networks
    /// (`127.0.0.1, 10.0.0.0/8, ::1`); empty trusts nobody.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Net::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client of a request from `peer` carrying these `X-Forwarded-For`
    /// values (in the order received).
    pub fn client(&self, peer: IpAddr, forwarded: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        // Each proxy appends the address it received from: read from the
        // right, past our own proxies, to the first address they did not
        // add themselves. Anything unreadable ends the walk.
        let hops: Vec<&str> = forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !self.trusts(ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("10.0.0.5"), &["1.2.3.4"]), ip("10.0.0.5"));
        let proxies = TrustedProxies::parse("10.0.0.0/8, ::1").expect("parse");
        assert_eq!(proxies.client(ip("10.0.0.5"), &["1.2.3.4"]), ip("1.2.3.4"));
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &["6.6.6.6, 1.2.3.4, 10.1.1.1"]),
            ip("1.2.3.4"),
            "a client's own X-Forwarded-For entries are not believed"
        );
        assert_eq!(proxies.client(ip("10.0.0.5"), &[]), ip("10.0.0.5"));
        assert_eq!(proxies.client(ip("10.0.0.5"), &["garbage"]), ip("10.0.0.5"));
        assert_eq!(
            proxies.client(ip("::1"), &["2001:db8::1"]),
            ip("2001:db8::1")
        );
        assert_eq!(proxies.client(ip("8.8.8.8"), &["1.2.3.4"]), ip("8.8.8.8"));
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.5"), &["1.2.3.4"]),
            ip("1.2.3.4"),
            "IPv4 seen through an IPv6 socket"
        );
    }

    #[test]
    fn networks_parse_or_say_why_not() {
        assert!(TrustedProxies::parse("").expect("empty").0.is_empty());
        assert!(
            TrustedProxies::parse("0.0.0.0/0")
                .expect("all")
                .trusts(ip("9.9.9.9"))
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        let p = TrustedProxies::parse("192.168.1.0/24").expect("net");
        assert!(p.trusts(ip("192.168.1.200")) && !p.trusts(ip("192.168.2.1")));
    }
}
