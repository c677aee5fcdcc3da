//! Target specifications: what the user may ask camsweep to scan, expanded into addresses.
//!
//! Accepted forms (repeatable, or comma-separated): a CIDR (`198.18.0.0/24`), a range
//! (`198.18.0.10-198.18.0.40` or `198.18.0.10-40`), or a single address. Pure: no I/O.
//!
//! Safety: camsweep is for the local network of a site whose owner authorised the scan, so
//! addresses outside private, link-local, CGNAT and benchmarking ranges are refused unless
//! `allow_public` is set, and more than a /16 worth of addresses needs `allow_large`.

use ipnet::{IpNet, Ipv4Net};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

/// Most addresses a scan takes without `allow_large` (a /16).
pub const LARGE_SCAN: usize = 65_536;
/// Most addresses a scan takes at all.
pub const MAX_ADDRESSES: usize = 1 << 20;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetError {
    #[error("`{0}` is not an address, a CIDR (198.18.0.0/24) or a range (198.18.0.10-40)")]
    Unparsable(String),
    #[error("range `{0}` ends before it starts")]
    BackwardsRange(String),
    #[error(
        "`{0}` is outside the private, link-local and CGNAT ranges; camsweep scans a site's own LAN \
         (pass --allow-public only if the owner of that network authorised it)"
    )]
    Public(String),
    #[error("{count} addresses is more than a /16; pass --allow-large to scan that many")]
    TooLarge { count: usize },
    #[error("{count} addresses is more than camsweep scans at once ({MAX_ADDRESSES})")]
    Huge { count: usize },
    #[error("no targets: give --targets (e.g. 198.18.0.0/24) or --interface")]
    Empty,
    #[error(
        "IPv6 range `{0}` is too large to sweep; give single IPv6 addresses or a /112 or smaller"
    )]
    Ipv6TooWide(String),
}

/// Limits the caller lifts explicitly.
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetPolicy {
    pub allow_public: bool,
    pub allow_large: bool,
}

/// Expands target specifications into a sorted, de-duplicated address list.
///
/// # Errors
/// A specification that does not parse, a public address without `allow_public`, or too many addresses.
pub fn expand(specs: &[String], policy: TargetPolicy) -> Result<Vec<IpAddr>, TargetError> {
    let mut out = BTreeSet::new();
    for spec in specs.iter().flat_map(|s| s.split(',')) {
        let spec = spec.trim();
        if spec.is_empty() {
            continue;
        }
        expand_one(spec, &mut out)?;
        if out.len() > MAX_ADDRESSES {
            return Err(TargetError::Huge { count: out.len() });
        }
    }
    if out.is_empty() {
        return Err(TargetError::Empty);
    }
    if out.len() > LARGE_SCAN && !policy.allow_large {
        return Err(TargetError::TooLarge { count: out.len() });
    }
    if !policy.allow_public
        && let Some(public) = out.iter().find(|ip| !is_local_scope(**ip))
    {
        return Err(TargetError::Public(public.to_string()));
    }
    Ok(out.into_iter().collect())
}

fn expand_one(spec: &str, out: &mut BTreeSet<IpAddr>) -> Result<(), TargetError> {
    if let Ok(ip) = spec.parse::<IpAddr>() {
        out.insert(ip);
        return Ok(());
    }
    if let Ok(net) = spec.parse::<IpNet>() {
        return expand_net(spec, net, out);
    }
    if let Some((start, end)) = spec.split_once('-') {
        let start: Ipv4Addr = start
            .trim()
            .parse()
            .map_err(|_| TargetError::Unparsable(spec.to_string()))?;
        let end = parse_range_end(start, end.trim())
            .ok_or_else(|| TargetError::Unparsable(spec.to_string()))?;
        if end < start {
            return Err(TargetError::BackwardsRange(spec.to_string()));
        }
        let count = u32::from(end) - u32::from(start) + 1;
        if count as usize > MAX_ADDRESSES {
            return Err(TargetError::Huge {
                count: count as usize,
            });
        }
        out.extend((u32::from(start)..=u32::from(end)).map(|n| IpAddr::V4(Ipv4Addr::from(n))));
        return Ok(());
    }
    Err(TargetError::Unparsable(spec.to_string()))
}

/// The end of a range: a full address, or just the last octet (`198.18.0.10-40`).
fn parse_range_end(start: Ipv4Addr, end: &str) -> Option<Ipv4Addr> {
    if let Ok(full) = end.parse::<Ipv4Addr>() {
        return Some(full);
    }
    let last: u8 = end.parse().ok()?;
    let [a, b, c, _] = start.octets();
    Some(Ipv4Addr::new(a, b, c, last))
}

fn expand_net(spec: &str, net: IpNet, out: &mut BTreeSet<IpAddr>) -> Result<(), TargetError> {
    match net {
        IpNet::V4(v4) => {
            let count = 1usize << (32 - u32::from(v4.prefix_len()));
            if count > MAX_ADDRESSES {
                return Err(TargetError::Huge { count });
            }
            out.extend(v4_hosts(v4).map(IpAddr::V4));
        }
        IpNet::V6(v6) => {
            if v6.prefix_len() < 112 {
                return Err(TargetError::Ipv6TooWide(spec.to_string()));
            }
            out.extend(v6.hosts().map(IpAddr::V6));
        }
    }
    Ok(())
}

/// Host addresses of a v4 network: without network and broadcast addresses for /30 and wider,
/// as nmap and arp-scan count them.
fn v4_hosts(net: Ipv4Net) -> impl Iterator<Item = Ipv4Addr> {
    net.hosts()
}

/// Private (RFC 1918), loopback, link-local, CGNAT (RFC 6598), benchmarking (RFC 2544, the lab's
/// 198.18.0.0/15), unique-local and link-local IPv6: what a site's own LAN uses.
pub fn is_local_scope(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_string()).collect()
    }

    /// A /24 is 254 hosts, as nmap counts it.
    #[test]
    fn cidr_expands_without_network_and_broadcast() {
        let ips = expand(&specs(&["198.18.0.0/24"]), TargetPolicy::default()).unwrap();
        assert_eq!(ips.len(), 254);
        assert_eq!(ips[0], "198.18.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(ips[253], "198.18.0.254".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn ranges_lists_and_duplicates() {
        let ips = expand(
            &specs(&["192.168.1.10-12,192.168.1.11", "192.168.1.20-192.168.1.21"]),
            TargetPolicy::default(),
        )
        .unwrap();
        let shown: Vec<String> = ips.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "192.168.1.10",
                "192.168.1.11",
                "192.168.1.12",
                "192.168.1.20",
                "192.168.1.21"
            ]
        );
    }

    #[test]
    fn bad_input_says_what_was_expected() {
        let err = expand(&specs(&["198.18.0.300"]), TargetPolicy::default()).unwrap_err();
        assert!(err.to_string().contains("not an address, a CIDR"));
        let err = expand(&specs(&["10.0.0.9-3"]), TargetPolicy::default()).unwrap_err();
        assert_eq!(err, TargetError::BackwardsRange("10.0.0.9-3".into()));
        assert_eq!(
            expand(&specs(&[" , "]), TargetPolicy::default()),
            Err(TargetError::Empty)
        );
    }

    /// Scanning someone else's network by typo must not happen silently.
    #[test]
    fn public_addresses_need_explicit_permission() {
        let err = expand(&specs(&["8.8.8.8"]), TargetPolicy::default()).unwrap_err();
        assert_eq!(err, TargetError::Public("8.8.8.8".into()));
        let ok = expand(
            &specs(&["8.8.8.8"]),
            TargetPolicy {
                allow_public: true,
                allow_large: false,
            },
        );
        assert!(ok.is_ok());
        for local in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.0.1",
            "100.64.0.1",
            "169.254.1.1",
            "198.19.255.1",
            "fd00::1",
            "fe80::1",
        ] {
            assert!(is_local_scope(local.parse().unwrap()), "{local}");
        }
    }

    #[test]
    fn more_than_a_slash_16_needs_allow_large() {
        let err = expand(&specs(&["10.0.0.0/15"]), TargetPolicy::default()).unwrap_err();
        assert!(matches!(err, TargetError::TooLarge { .. }));
        let ok = expand(&specs(&["10.0.0.0/16"]), TargetPolicy::default()).unwrap();
        assert_eq!(ok.len(), 65_534);
    }
}
