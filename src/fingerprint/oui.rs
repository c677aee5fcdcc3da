//! MAC prefix → vendor table. Keyed by prefix length (24, 28 and 36 bits: IEEE MA-L, MA-M,
//! MA-S) so the full IEEE registry can replace the camera-vendor subset without a format change.
//! Pure: the table is parsed from text handed in by the loader.

use std::collections::HashMap;

use super::error::SignatureError;

/// One row of the prefix table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OuiEntry {
    /// 24, 28 or 36.
    pub bits: u8,
    /// The prefix, left-aligned in the low `bits` bits of the first 48 (i.e. `mac >> (48 - bits)`).
    pub prefix: u64,
    /// Short vendor name, as signatures spell it (`Hikvision`), so OUI and signatures can agree.
    /// Empty for rows written `-`: the registered organisation only (the full IEEE registry,
    /// NIC-module makers), shown in reports but casting no vendor vote.
    pub vendor: String,
    /// The organisation as registered (`Hangzhou Hikvision Digital Technology`).
    pub organization: String,
    /// Where the row comes from.
    pub source: String,
}

const LENGTHS: [u8; 3] = [36, 28, 24];
/// The vendor column of a row that names only the registered organisation.
pub const NO_VENDOR: &str = "-";

impl OuiEntry {
    /// The name reports show: the short vendor name, else the registered organisation.
    pub fn display_name(&self) -> &str {
        if self.vendor.is_empty() {
            &self.organization
        } else {
            &self.vendor
        }
    }
}

impl OuiEntry {
    /// Parses `prefix<TAB>vendor<TAB>organization<TAB>source` rows. Blank lines, `#` comments and a
    /// header row starting with `prefix` are skipped. The prefix is 6, 7 or 9 hex digits
    /// (separators `:` `-` `.` allowed).
    ///
    /// # Errors
    /// The first malformed row, with its file and line.
    pub fn parse_tsv(file: &str, text: &str) -> Result<Vec<OuiEntry>, SignatureError> {
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let trimmed = line.trim_end_matches('\r');
            if trimmed.trim().is_empty()
                || trimmed.starts_with('#')
                || trimmed.starts_with("prefix")
            {
                continue;
            }
            let err = |message: String| SignatureError::Oui {
                file: file.to_string(),
                line: line_no,
                message,
            };
            let cols: Vec<&str> = trimmed.split('\t').collect();
            let [prefix, vendor, organization, source] = cols[..] else {
                return Err(err(format!(
                    "expected 4 tab-separated columns (prefix, vendor, organization, source), found {}",
                    cols.len()
                )));
            };
            let hex: String = prefix
                .chars()
                .filter(|c| !matches!(c, ':' | '-' | '.'))
                .collect();
            let bits = match hex.len() {
                6 => 24,
                7 => 28,
                9 => 36,
                n => {
                    return Err(err(format!(
                        "prefix `{prefix}` has {n} hex digits, expected 6, 7 or 9"
                    )));
                }
            };
            let value = u64::from_str_radix(&hex, 16)
                .map_err(|_| err(format!("prefix `{prefix}` is not hexadecimal")))?;
            if vendor.trim().is_empty() || source.trim().is_empty() {
                return Err(err("vendor and source must not be empty".into()));
            }
            out.push(OuiEntry {
                bits,
                prefix: value,
                vendor: if vendor.trim() == NO_VENDOR {
                    String::new()
                } else {
                    vendor.trim().to_string()
                },
                organization: organization.trim().to_string(),
                source: source.trim().to_string(),
            });
        }
        Ok(out)
    }
}

/// Prefix table, one map per prefix length; lookups try the longest first.
#[derive(Debug, Clone, Default)]
pub(crate) struct OuiTable {
    by_bits: HashMap<u8, HashMap<u64, OuiEntry>>,
    len: usize,
}

impl OuiTable {
    pub fn new(entries: Vec<OuiEntry>) -> Self {
        let mut by_bits: HashMap<u8, HashMap<u64, OuiEntry>> = HashMap::new();
        for e in entries {
            // A later file's row for the same prefix replaces an earlier one.
            by_bits.entry(e.bits).or_default().insert(e.prefix, e);
        }
        let len = by_bits.values().map(HashMap::len).sum();
        Self { by_bits, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn lookup(&self, mac: [u8; 6]) -> Option<&OuiEntry> {
        let value = mac.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        LENGTHS.iter().find_map(|bits| {
            self.by_bits
                .get(bits)
                .and_then(|m| m.get(&(value >> (48 - u32::from(*bits)))))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MacAddr;

    fn parse_mac(text: &str) -> Option<[u8; 6]> {
        MacAddr::parse(text).map(MacAddr::octets)
    }

    fn is_locally_administered(mac: [u8; 6]) -> bool {
        MacAddr(mac).is_locally_administered()
    }

    fn table() -> OuiTable {
        let text = "prefix\tvendor\torganization\tsource\n\
                    BCAD28\tHikvision\tHangzhou Hikvision Digital Technology\tnmap\n\
                    70B3D5\tIEEE\tIEEE Registration Authority\tieee\n\
                    70B3D512A\tExample\tExample MA-S\tieee\n";
        OuiTable::new(OuiEntry::parse_tsv("t.tsv", text).unwrap())
    }

    /// Every common MAC spelling finds the same vendor.
    #[test]
    fn mac_spellings_are_equivalent() {
        let t = table();
        for mac in [
            "bc:ad:28:01:02:03",
            "BC-AD-28-01-02-03",
            "bcad.2801.0203",
            "BCAD28010203",
        ] {
            let bytes = parse_mac(mac).unwrap();
            assert_eq!(t.lookup(bytes).unwrap().vendor, "Hikvision", "{mac}");
        }
        assert!(parse_mac("bc:ad:28:01:02").is_none());
        assert!(parse_mac("zz:ad:28:01:02:03").is_none());
    }

    /// A 36-bit MA-S block wins over the 24-bit block it sits in.
    #[test]
    fn longest_prefix_wins() {
        let t = table();
        assert_eq!(
            t.lookup(parse_mac("70:b3:d5:12:a0:01").unwrap())
                .unwrap()
                .vendor,
            "Example"
        );
        assert_eq!(
            t.lookup(parse_mac("70:b3:d5:13:00:01").unwrap())
                .unwrap()
                .vendor,
            "IEEE"
        );
    }

    #[test]
    fn locally_administered_bit() {
        assert!(is_locally_administered(
            parse_mac("02:00:00:00:00:01").unwrap()
        ));
        assert!(is_locally_administered(
            parse_mac("da:a1:19:00:00:01").unwrap()
        ));
        assert!(!is_locally_administered(
            parse_mac("bc:ad:28:00:00:01").unwrap()
        ));
    }

    /// A malformed row names its file and line.
    #[test]
    fn bad_rows_name_file_and_line() {
        let err = OuiEntry::parse_tsv("oui/x.tsv", "# c\nBCAD2\tX\tY\tZ\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "oui/x.tsv:2: prefix `BCAD2` has 5 hex digits, expected 6, 7 or 9"
        );
    }
}
