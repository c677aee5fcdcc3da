//! The kernel's neighbour (ARP) table: which on-link addresses answered ARP, and with which MAC.
//!
//! The parser is pure; [`ProcNetArp`] is the tiny reader. Both plug into the sweep through
//! [`NeighbourSource`], the seam where a raw ARP sweep can later supply the same facts.

use std::net::{IpAddr, Ipv4Addr};

/// `ATF_COM` in `<linux/if_arp.h>`: the entry holds a resolved hardware address.
const ATF_COM: u32 = 0x2;

/// One row of the neighbour table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeighbourEntry {
    pub ip: IpAddr,
    /// Lower-case colon-separated MAC (`00:00:00:00:00:00` for an unresolved entry).
    pub mac: String,
    pub device: String,
    /// The address answered ARP (flags carry `ATF_COM`).
    pub resolved: bool,
}

/// Parses the text of `/proc/net/arp`. Malformed rows are skipped, never fatal.
pub fn parse_proc_net_arp(text: &str) -> Vec<NeighbourEntry> {
    text.lines()
        .skip_while(|line| !line.starts_with("IP address"))
        .skip(1)
        .filter_map(parse_row)
        .collect()
}

fn parse_row(line: &str) -> Option<NeighbourEntry> {
    let cols: Vec<&str> = line.split_whitespace().collect();
    // IP address, HW type, Flags, HW address, Mask, Device
    if cols.len() < 6 {
        return None;
    }
    let ip: Ipv4Addr = cols[0].parse().ok()?;
    let flags = u32::from_str_radix(cols[2].trim_start_matches("0x"), 16).ok()?;
    let mac = cols[3].to_ascii_lowercase();
    let resolved = flags & ATF_COM != 0 && mac != "00:00:00:00:00:00";
    Some(NeighbourEntry {
        ip: IpAddr::V4(ip),
        mac,
        device: cols[5].to_string(),
        resolved,
    })
}

/// Where the sweep learns which addresses answered ARP. Asked once, after the first connect wave
/// (the connects themselves make the kernel resolve on-link addresses).
pub trait NeighbourSource: Send + Sync {
    /// The current table. An unreadable table is an empty one (with a note where it matters).
    fn snapshot(&self) -> Result<Vec<NeighbourEntry>, std::io::Error>;
}

/// Reads `/proc/net/arp` (Linux); elsewhere the table is empty.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProcNetArp;

impl NeighbourSource for ProcNetArp {
    fn snapshot(&self) -> Result<Vec<NeighbourEntry>, std::io::Error> {
        let text = std::fs::read_to_string("/proc/net/arp")?;
        Ok(parse_proc_net_arp(&text))
    }
}

/// A fixed table, for tests and for facts gathered elsewhere (a later raw ARP sweep).
#[derive(Debug, Default, Clone)]
pub struct StaticNeighbours(pub Vec<NeighbourEntry>);

impl NeighbourSource for StaticNeighbours {
    fn snapshot(&self) -> Result<Vec<NeighbourEntry>, std::io::Error> {
        Ok(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real table: one resolved gateway, one address that never answered ARP (flags 0x0),
    /// one static (permanent) entry, as the Linux kernel prints them.
    const PROC_NET_ARP: &str = "\
IP address       HW type     Flags       HW address            Mask     Device
192.168.1.1      0x1         0x2         C0:56:27:8a:1b:2c     *        eth0
192.168.1.23     0x1         0x0         00:00:00:00:00:00     *        eth0
192.168.1.64     0x1         0x6         44:19:b6:01:02:03     *        eth0
";

    /// Resolved entries are told apart from failed ARP lookups, and MACs are lower-cased.
    #[test]
    fn parses_resolved_and_incomplete_rows() {
        let rows = parse_proc_net_arp(PROC_NET_ARP);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].ip, "192.168.1.1".parse::<IpAddr>().unwrap());
        assert_eq!(rows[0].mac, "c0:56:27:8a:1b:2c");
        assert_eq!(rows[0].device, "eth0");
        assert!(rows[0].resolved);
        assert!(!rows[1].resolved, "flags 0x0 is an incomplete entry");
        assert!(rows[2].resolved, "permanent entries are resolved too");
    }

    /// Garbage and truncated rows are skipped, not fatal.
    #[test]
    fn tolerates_garbage() {
        let text = "IP address HW type Flags HW address Mask Device\nnot an address 0x1 0x2 x * eth0\n10.0.0.1 0x1\n\u{0}\u{1}";
        assert!(parse_proc_net_arp(text).is_empty());
        assert!(parse_proc_net_arp("").is_empty());
    }
}
