//! What an evidence atom states, whatever protocol carried it: the kinds that identification
//! (claims) and `--redact` act on. The discovery table (`wire::discovery`) declares the kinds of
//! every atom its parsers emit; `fingerprint::atom_kinds` answers for any source name, so a
//! report read back (where atoms are only `source`, `port`, `value`) gets the same kinds.

/// One thing an atom can state. An atom may state several (`wsd.name` is a vendor, text and
/// the unit's own name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AtomKind {
    /// A maker (`Hikvision`, `VIVOTEK`).
    Vendor,
    /// A model (`DS-2CD2143G0-I`).
    Model,
    /// A firmware or software version.
    Firmware,
    /// A device class as the device names it (`urn:…:device:MediaRenderer:1`, `video_encoder`).
    DeviceClass,
    /// Human-readable text: names, titles, realms, banners. The vocabulary and the brand
    /// lexicon read these.
    Text,
    /// A value whose `urn:…` part, when it has one, names a device or service type (a UPnP
    /// search target or USN, UPnP Device Architecture 2.0 §1.1.2-1.1.3): a device class.
    TypeUrn,
    /// A DNS-SD TXT entry `key=value` (RFC 6763 §6): the value is text, and the key says
    /// whether it is also a model, a maker or a firmware.
    TxtEntry,
    /// A serial number: one unit, removed by `--redact`.
    Serial,
    /// The unit's own MAC address, always one: `--redact` keeps only its OUI prefix, and
    /// identification reads its prefix when the scanner saw no MAC for the host.
    Mac,
    /// A text that is sometimes nothing but the unit's MAC (a digest realm on some firmware):
    /// identification reads it as a stated MAC only when it is one.
    MaybeMac,
    /// The unit's own name (host or device name): removed by `--redact`.
    UnitName,
    /// An identifier of one unit (a UUID or endpoint embedding its MAC or serial): removed by
    /// `--redact`.
    UnitId,
}

impl AtomKind {
    /// Kinds whose whole value identifies one unit and is removed by `--redact`.
    pub fn identifies_unit(self) -> bool {
        matches!(
            self,
            AtomKind::Serial | AtomKind::UnitName | AtomKind::UnitId
        )
    }
}
