//! A MAC address, parsed once from whatever spelling a device, a capture or a log uses and
//! written the one way the report writes it (`aa:bb:cc:dd:ee:ff`, lower case).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Six octets, in wire order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// Reads `aa:bb:cc:dd:ee:ff`, `AA-BB-CC-DD-EE-FF`, `aabb.ccdd.eeff` or `aabbccddeeff`
    /// (surrounding blanks ignored): twelve hex digits once `:`, `-` and `.` are left out.
    pub fn parse(text: &str) -> Option<MacAddr> {
        let hex: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, ':' | '-' | '.'))
            .collect();
        if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let mut out = [0u8; 6];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
        }
        Some(MacAddr(out))
    }

    /// The six octets of a frame's address field, when the slice holds six.
    pub fn from_slice(bytes: &[u8]) -> Option<MacAddr> {
        bytes.try_into().ok().map(MacAddr)
    }

    pub fn octets(self) -> [u8; 6] {
        self.0
    }

    /// A group address (bit 0x01 of the first octet): broadcast, multicast, never one host.
    pub fn is_multicast(self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// `00:00:00:00:00:00`: the "unknown" of ARP requests and unset fields.
    pub fn is_zero(self) -> bool {
        self.0 == [0; 6]
    }

    /// A locally administered MAC (bit 0x02 of the first octet) was not assigned by the IEEE, so
    /// its prefix says nothing about the maker: phones with private addresses, VMs, bridges.
    pub fn is_locally_administered(self) -> bool {
        self.0[0] & 0x02 != 0
    }

    /// The IEEE organisationally unique identifier: the first three octets.
    pub fn oui(self) -> [u8; 3] {
        [self.0[0], self.0[1], self.0[2]]
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// A text that is not a MAC address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a MAC address: `{0}`")]
pub struct NotAMac(pub String);

impl std::str::FromStr for MacAddr {
    type Err = NotAMac;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MacAddr::parse(s).ok_or_else(|| NotAMac(s.to_string()))
    }
}

impl From<[u8; 6]> for MacAddr {
    fn from(octets: [u8; 6]) -> Self {
        MacAddr(octets)
    }
}

/// Serialised as its text, `aa:bb:cc:dd:ee:ff`.
impl Serialize for MacAddr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MacAddr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_spelling_reads_the_same() {
        let want = MacAddr([0xbc, 0xad, 0x28, 0x12, 0x34, 0x56]);
        for text in [
            "bc:ad:28:12:34:56",
            "BC-AD-28-12-34-56",
            "bcad.2812.3456",
            "BCAD28123456",
            " bc:ad:28:12:34:56\n",
        ] {
            assert_eq!(MacAddr::parse(text), Some(want), "{text}");
        }
        assert_eq!(want.to_string(), "bc:ad:28:12:34:56");
        for bad in [
            "",
            "bc:ad:28:12:34",
            "bc:ad:28:12:34:5g",
            "bc:ad:28:12:34:56:78",
        ] {
            assert_eq!(MacAddr::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn bits_and_prefix() {
        let cam = MacAddr::parse("bc:ad:28:12:34:56").unwrap();
        assert_eq!(cam.oui(), [0xbc, 0xad, 0x28]);
        assert!(!cam.is_multicast() && !cam.is_zero() && !cam.is_locally_administered());
        assert!(MacAddr([0xff; 6]).is_multicast());
        assert!(MacAddr::parse("01:00:5e:7f:ff:fa").unwrap().is_multicast());
        assert!(MacAddr::default().is_zero());
        assert!(
            MacAddr::parse("da:a1:19:00:00:01")
                .unwrap()
                .is_locally_administered()
        );
    }

    #[test]
    fn serialises_as_its_text() {
        let mac = MacAddr::parse("BC-AD-28-12-34-56").unwrap();
        let json = serde_json::to_string(&mac).unwrap();
        assert_eq!(json, "\"bc:ad:28:12:34:56\"");
        assert_eq!(serde_json::from_str::<MacAddr>(&json).unwrap(), mac);
        assert!(serde_json::from_str::<MacAddr>("\"nope\"").is_err());
    }
}
