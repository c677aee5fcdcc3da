//! From one host's evidence to an identity: which signatures match, which vendor and device
//! class the matches support, what model and firmware they extracted, and how sure that is.
//! Pure: reads only the [`HostObservation`] and the [`SignatureDb`].

use std::collections::BTreeMap;

use super::claims::ClaimKind;
use super::confidence::{Vote, combine, penalise};
use super::db::Signature;
use super::db::SignatureDb;
use super::matcher::{Hit, match_signature, with_claims};
use super::oui::OuiEntry;
use crate::model::MacAddr;
use crate::model::{
    AtomKind, DeviceType, Evidence, EvidenceSource, FaceRecognition, HostObservation, Identity,
    TypeBasis,
};

/// Weight of a MAC prefix as vendor evidence. Low on purpose: it says who made the network
/// card, never what the device is, so alone it sets a vendor and never a device type.
pub const OUI_WEIGHT: f64 = 0.25;

/// Derived atom: one per open port (value = port number), so signatures can use ports.
pub const TCP_OPEN: &str = "tcp.open";
/// Derived atom: the host name (DHCP, DNS or NetBIOS), where known.
pub const HOST_NAME: &str = "host.name";
/// Derived atom: the service an open port carries, as the port knowledge
/// (`signatures/ports.toml`) or a probe named it (`rtsp` on 8554 as on 554); `unknown` is left out.
pub const TCP_SERVICE: &str = "tcp.service";

/// What the engine concluded about one host, and the evidence it rests on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Analysis {
    pub identity: Identity,
    /// Vendor of the MAC prefix; `None` when unknown or locally administered.
    pub mac_vendor: Option<String>,
    /// The MAC is locally administered (randomised or virtual), so its prefix was ignored.
    pub mac_locally_administered: bool,
    /// The MAC prefix belongs to a network-module maker or ODM (Texas Instruments, AMPAK …):
    /// it names the network chip's maker, never the device's vendor.
    pub mac_module_maker: bool,
    /// The atoms that matched signatures (plus `mac.vendor` / `mac.locally_administered`).
    pub matched: Vec<Evidence>,
}

/// Broad class a signature or host falls in: the decision between them comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Surveillance,
    Other,
}

fn class_of(t: DeviceType) -> Option<Class> {
    match t {
        DeviceType::Other => Some(Class::Other),
        DeviceType::Unknown => None,
        _ => Some(Class::Surveillance),
    }
}

/// More specific types beat `camera` when a model family says so.
fn specificity(t: DeviceType) -> u8 {
    match t {
        DeviceType::FaceTerminal => 7,
        DeviceType::PeopleCounter => 6,
        DeviceType::PlateCamera => 5,
        DeviceType::AccessControl => 4,
        DeviceType::Doorbell => 3,
        DeviceType::Nvr => 2,
        DeviceType::Camera => 1,
        DeviceType::Other | DeviceType::Unknown => 0,
    }
}

/// Which extraction source to believe first for a model (lower is better): ONVIF, then a
/// maker's own discovery protocol, DHCP, the generic discovery protocols (the table says which
/// is which), then what the web and streaming servers show.
fn model_rank(source: &str) -> u8 {
    let protocol = crate::wire::discovery::field_of(source).map(|(p, _)| p);
    match source.split('.').next().unwrap_or("") {
        _ if source == "onvif.model" => 0,
        _ if protocol.is_some_and(|p| p.maker) => 1,
        "dhcp" => 2,
        _ if protocol.is_some() => 3,
        "upnp" => 3,
        _ if source == "http.realm" => 4,
        _ if source == "rtsp.realm" => 5,
        "tls" => 6,
        _ if source == "http.title" => 7,
        _ => 8,
    }
}

fn firmware_rank(source: &str) -> u8 {
    if source == "onvif.firmware" {
        0
    } else {
        model_rank(source).saturating_add(1)
    }
}

/// The host's evidence plus derived atoms (open ports, host name).
fn atoms_for(host: &HostObservation) -> Vec<Evidence> {
    let mut atoms = host.evidence.clone();
    for p in &host.open_ports {
        atoms.push(Evidence::new(TCP_OPEN, Some(p.port), p.port.to_string()));
        let service = p.service.trim();
        if !service.is_empty() && service != "unknown" {
            atoms.push(Evidence::new(TCP_SERVICE, Some(p.port), service));
        }
    }
    if let Some(name) = host.hostname.as_deref().filter(|n| !n.is_empty()) {
        atoms.push(Evidence::new(HOST_NAME, None, name));
    }
    atoms
}

/// A hit's vote, keyed by the sources of the atoms it actually matched: two signatures reading
/// the same atom source are one piece of evidence, not two.
fn vote(hit: &Hit<'_>) -> Vote {
    let mut sources: Vec<&str> = hit.atoms.iter().map(|a| a.source.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    // A hit resting on no atom rests on the MAC prefix (the surveillance-maker rule without a
    // port): one piece of evidence with the prefix's own vendor vote.
    let key = if sources.is_empty() {
        "mac.oui".to_string()
    } else {
        sources.join("+")
    };
    Vote {
        key,
        weight: hit.signature.weight,
    }
}

#[derive(Clone, Copy)]
enum Extracted {
    Model,
    Firmware,
}

/// The extracted value from the most trusted source; ties go to the heavier signature.
fn best_extracted(hits: &[&Hit<'_>], which: Extracted) -> Option<String> {
    hits.iter()
        .filter_map(|h| {
            let (value, source) = match which {
                Extracted::Model => h.model.as_ref()?,
                Extracted::Firmware => h.firmware.as_ref()?,
            };
            let rank = match which {
                Extracted::Model => model_rank(source),
                Extracted::Firmware => firmware_rank(source),
            };
            Some((rank, -h.signature.weight, value))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map(|(_, _, v)| v.clone())
}

/// The class decision: surveillance or other, and how much spoke for the losing class.
struct ClassDecision {
    class: Option<Class>,
    conflict: f64,
}

impl ClassDecision {
    /// Independent weight for each class; the heavier one wins, a tie goes to surveillance
    /// (missing a camera is worse than double-checking a printer).
    fn of(hits: &[Hit<'_>]) -> Self {
        let score = |class: Class| {
            let votes: Vec<Vote> = hits
                .iter()
                .filter(|h| h.signature.device_type.and_then(class_of) == Some(class))
                .map(vote)
                .collect();
            combine(&votes)
        };
        let (surveillance, other) = (score(Class::Surveillance), score(Class::Other));
        if surveillance <= 0.0 && other <= 0.0 {
            Self {
                class: None,
                conflict: 0.0,
            }
        } else if surveillance >= other {
            Self {
                class: Some(Class::Surveillance),
                conflict: other,
            }
        } else {
            Self {
                class: Some(Class::Other),
                conflict: surveillance,
            }
        }
    }

    /// Untyped signatures fit any class; typed ones only their own.
    fn fits(&self, hit: &Hit<'_>) -> bool {
        hit.signature
            .device_type
            .and_then(class_of)
            .is_none_or(|c| Some(c) == self.class)
    }

    /// The most specific type among fitting signatures (a face terminal beats a camera).
    fn device_type(&self, hits: &[Hit<'_>]) -> DeviceType {
        match self.class {
            None => DeviceType::Unknown,
            Some(Class::Other) => DeviceType::Other,
            Some(Class::Surveillance) => hits
                .iter()
                .filter(|h| self.fits(h))
                .filter_map(|h| h.signature.device_type)
                .max_by_key(|t| specificity(*t))
                .unwrap_or(DeviceType::Camera),
        }
    }

    /// Yes if a fitting signature says yes; no if one says no and none yes; else unknown.
    fn face_recognition(&self, hits: &[Hit<'_>]) -> FaceRecognition {
        let says = |f| {
            hits.iter()
                .filter(|h| self.fits(h))
                .any(|h| h.signature.face_recognition == Some(f))
        };
        if says(FaceRecognition::Yes) {
            FaceRecognition::Yes
        } else if says(FaceRecognition::No) {
            FaceRecognition::No
        } else {
            FaceRecognition::Unknown
        }
    }
}

/// Votes for one brand.
struct BrandVotes {
    name: String,
    family: String,
    /// The family as spelled where it is defined (`Dahua`), for the report's `maker`.
    family_name: String,
    votes: Vec<Vote>,
}

/// The vendor decision: a family of brands (Dahua with Imou and Amcrest) wins as a whole, then
/// the most specific brand in it is named; the runner-up family is a conflict.
struct VendorDecision {
    brand: Option<String>,
    family: Option<String>,
    /// The maker whose firmware the brand runs, when it is not the brand itself.
    maker: Option<String>,
    /// The OEM supplier's family, when a brand of another family sells its device: its
    /// signatures agree with the vendor too.
    also_family: Option<String>,
    conflict: f64,
}

impl VendorDecision {
    fn of(db: &SignatureDb, hits: &[Hit<'_>], oui_vendor: Option<&str>) -> Self {
        let mut brands: BTreeMap<String, BrandVotes> = BTreeMap::new();
        let mut add = |name: &str, v: Vote| {
            brands
                .entry(name.to_lowercase())
                .or_insert_with(|| BrandVotes {
                    name: name.to_string(),
                    family: db.vendor_family(name).to_lowercase(),
                    family_name: db.vendor_family(name).to_string(),
                    votes: Vec::new(),
                })
                .votes
                .push(v);
        };
        for h in hits {
            if let Some(name) = &h.signature.vendor {
                add(name, vote(h));
            }
        }
        if let Some(name) = oui_vendor {
            add(name, oui_vote());
        }
        let mut families: BTreeMap<&str, Vec<Vote>> = BTreeMap::new();
        for b in brands.values() {
            families
                .entry(&b.family)
                .or_default()
                .extend(b.votes.iter().cloned());
        }
        let mut ranked: Vec<(&str, f64)> = families.iter().map(|(f, v)| (*f, combine(v))).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let Some(&(family, _)) = ranked.first() else {
            return Self {
                brand: None,
                family: None,
                maker: None,
                also_family: None,
                conflict: 0.0,
            };
        };
        // Within the family, a brand of its own (Imou) is more specific than the family (Dahua).
        let chosen = brands
            .iter()
            .filter(|(_, b)| b.family == family)
            .max_by(|(ka, a), (kb, b)| {
                let own = |k: &str| k != family;
                own(ka)
                    .cmp(&own(kb))
                    .then(combine(&a.votes).total_cmp(&combine(&b.votes)))
            })
            .map(|(_, b)| b);
        let mut brand = chosen.map(|b| b.name.clone());
        let mut maker = chosen
            .filter(|b| !b.name.eq_ignore_ascii_case(&b.family_name))
            .map(|b| b.family_name.clone());
        // An ecosystem maker's devices are sold under a brand (Chuangmi → Xiaomi): the brand is
        // the vendor, the maker stays the maker.
        if let Some(b) = chosen
            && let Some(lex) = db.lexicon.brand(&b.name)
            && let Some(sold_as) = &lex.sold_as
        {
            brand = Some(sold_as.clone());
            maker = Some(lex.name.clone());
        }
        let mut family = family.to_string();
        let mut also_family = None;
        let mut conflict = ranked.get(1).map_or(0.0, |(_, s)| *s);
        // An OEM supplier's firmware (Hipcam, a Dahua realm) next to a surveillance-only brand of
        // another family (Foscam): the brand sells the device, the supplier made it.
        if let Some(&(runner_up, _)) = ranked.get(1) {
            let is_supplier = |f: &str| {
                db.lexicon
                    .brand(f)
                    .is_some_and(|b| b.oem_supplier && b.name.eq_ignore_ascii_case(f))
            };
            let surveillance_brand = |f: &str| {
                brands
                    .values()
                    .filter(|b| b.family == f)
                    .filter_map(|b| db.lexicon.brand(&b.name).map(|l| (b, l)))
                    .find(|(_, l)| l.surveillance_only && !l.oem_supplier)
                    .map(|(b, _)| b.name.clone())
            };
            let pair = if is_supplier(&family) {
                surveillance_brand(runner_up).map(|b| (b, family.clone(), runner_up.to_string()))
            } else if is_supplier(runner_up) {
                surveillance_brand(&family).map(|b| (b, runner_up.to_string(), family.clone()))
            } else {
                None
            };
            if let Some((brand_name, supplier, brand_family)) = pair {
                let supplier_name = brands
                    .values()
                    .find(|b| b.family == supplier)
                    .map_or(supplier.clone(), |b| b.family_name.clone());
                brand = Some(brand_name);
                maker = Some(supplier_name);
                also_family = Some(supplier);
                family = brand_family;
                conflict = ranked.get(2).map_or(0.0, |(_, s)| *s);
            }
        }
        Self {
            brand,
            maker,
            family: Some(family),
            also_family,
            conflict,
        }
    }

    /// Vendorless signatures fit any vendor; others must be of the chosen family.
    fn fits(&self, db: &SignatureDb, vendor: Option<&str>) -> bool {
        match (vendor, &self.family) {
            (None, _) => true,
            (Some(v), Some(f)) => {
                let of = db.vendor_family(v);
                of.eq_ignore_ascii_case(f)
                    || self
                        .also_family
                        .as_deref()
                        .is_some_and(|a| of.eq_ignore_ascii_case(a))
            }
            (Some(_), None) => false,
        }
    }
}

fn oui_vote() -> Vote {
    Vote {
        key: "mac.oui".into(),
        weight: OUI_WEIGHT,
    }
}

/// The atoms that matched, once each, plus the MAC facts (`mac_shown`: the MAC the prefix was
/// read from, the host's own or the one it stated).
fn matched_atoms(
    hits: &[Hit<'_>],
    mac_shown: Option<&str>,
    mac_vendor: Option<&str>,
    local: bool,
    module: bool,
) -> Vec<Evidence> {
    let mut matched: Vec<Evidence> = Vec::new();
    for atom in hits.iter().flat_map(|h| h.atoms.iter()) {
        if !matched.contains(atom) {
            matched.push((*atom).clone());
        }
    }
    if let (Some(v), Some(m)) = (mac_vendor, mac_shown) {
        matched.push(Evidence::new(
            EvidenceSource::MAC_VENDOR,
            None,
            if module {
                format!("network module by {v} ({m})")
            } else {
                format!("{v} ({m})")
            },
        ));
    }
    if local && let Some(m) = mac_shown {
        matched.push(Evidence::new(EvidenceSource::MAC_LOCAL, None, m));
    }
    matched
}

/// Where a device states its own MAC, for a host whose MAC the scanner never saw (a routed
/// host): atoms of kind `Mac` (the ONVIF `MAC` scope, onvif/specs#350, Core §7.3.2.2.1; the MAC
/// field of a maker's discovery reply) and of kind `MaybeMac` when they are nothing but a MAC:
/// some firmware uses the MAC as its digest realm, and the IEEE registry then says whose prefix
/// it is (a text that merely contains hex digits never counts). An SDP session name
/// `<MAC>_<stream>` is the same statement: UniFi cameras and the Protect console relaying them
/// name each stream so (scottlamb/retina `src/client/testdata/ubiquiti_sdp.txt`: `s=68D79AE46148_0`).
fn stated_mac(atoms: &[Evidence]) -> Option<(&Evidence, [u8; 6])> {
    atoms
        .iter()
        .filter(|a| {
            super::claims::states(&a.source, AtomKind::Mac)
                || super::claims::states(&a.source, AtomKind::MaybeMac)
        })
        .find_map(|a| {
            let v = a.value.trim();
            // `<12 hex digits>_<stream number>` states the MAC as much as a bare one.
            let v = match v.split_once('_') {
                Some((mac, stream))
                    if a.source == "rtsp.sdp_session"
                        && !stream.is_empty()
                        && stream.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    mac
                }
                _ => v,
            };
            // 12 hex digits, or six pairs with separators (`aa:bb:…`, `aa-bb-…`).
            if v.len() != 12 && v.len() != 17 {
                return None;
            }
            MacAddr::parse(v).map(|m| (a, m.octets()))
        })
}

/// The model a device states in its maker's own discovery reply, for a device whose vendor is
/// decided but whose model no signature extracted: an atom of kind `Model` (and not also a
/// device class, as numeric class codes are) from a table row marked `maker`. What the maker's
/// firmware answers about itself needs no signature per protocol.
fn stated_model(atoms: &[Evidence]) -> Option<String> {
    atoms
        .iter()
        .filter(|a| {
            crate::wire::discovery::field_of(&a.source).is_some_and(|(p, f)| {
                p.maker
                    && f.kinds.contains(&AtomKind::Model)
                    && !f.kinds.contains(&AtomKind::DeviceClass)
            })
        })
        .map(|a| a.value.trim())
        .find(|v| !v.is_empty())
        .map(str::to_string)
}

/// The vendor a device names itself in a manufacturer field (ONVIF GetDeviceInformation, a
/// WS-Discovery `manufacturer` scope, UPnP `<manufacturer>` …) when no brand entry knows it:
/// `EYEPLUS` says EYEPLUS. Placeholders and class words (`IPCAM`, `General`) name no maker.
fn stated_vendor<'a>(db: &'a SignatureDb, atoms: &'a [Evidence]) -> Option<(&'a Evidence, String)> {
    let rule = &db.lexicon.stated_vendor;
    rule.sources.iter().find_map(|source| {
        atoms.iter().filter(|a| &a.source == source).find_map(|a| {
            let value = a.value.replace("%20", " ").trim().to_string();
            let letters = value.chars().filter(|c| c.is_alphabetic()).count();
            let placeholder = rule
                .placeholders
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&value));
            // A manufacturer field holding a class word ("IPCAM", "NVR") names a kind of device.
            let class_word = db
                .lexicon
                .matches(&value)
                .into_iter()
                .any(|n| db.lexicon.signatures[n].vendor.is_none());
            (letters >= 2 && !placeholder && !class_word).then_some((a, value))
        })
    })
}

/// Evidence source of a certificate's issuer.
const ISSUER: &str = "tls.issuer";

/// The vocabulary's and the brand lexicon's hits: every word or brand named in a text or vendor
/// claim, once, pointing at the atom that stated it.
fn lexicon_hits<'a>(
    db: &'a SignatureDb,
    atoms: &'a [Evidence],
    origins: &[Option<usize>],
) -> Vec<Hit<'a>> {
    let readable = [
        ClaimKind::Text.atom_source(),
        ClaimKind::Vendor.atom_source(),
    ];
    let mut hits: Vec<Hit<'a>> = Vec::new();
    for (i, atom) in atoms.iter().enumerate() {
        if !readable.contains(&atom.source) {
            continue;
        }
        let origin = &atoms[origins.get(i).copied().flatten().unwrap_or(i)];
        // A certificate's issuer is whoever signed it (a maker's CA, or the recorder that
        // enrolled a camera: `CN=NVR, O=ZheJiang Dahua`): it can name the maker, never what this
        // device is, so only brands count there, not the vocabulary's class words.
        let issuer = origin.source == ISSUER;
        // The device's own cloud names a brand at the lower cloud weight, never a class word.
        let own_cloud = origin.source == EvidenceSource::TRAFFIC_CLOUD_MAKER;
        let class_context = is_class_context(&origin.source);
        for n in db.lexicon.matches_in(&atom.value, class_context) {
            let signature = if own_cloud {
                match db.lexicon.cloud_maker.get(&n) {
                    Some(cloud) => cloud,
                    None => continue,
                }
            } else {
                &db.lexicon.signatures[n]
            };
            if issuer && signature.vendor.is_none() {
                continue;
            }
            if hits.iter().any(|h| std::ptr::eq(h.signature, signature)) {
                continue;
            }
            hits.push(Hit {
                signature,
                atoms: vec![origin],
                model: None,
                firmware: None,
            });
        }
    }
    hits
}

/// The MAC prefix of a maker that builds only surveillance gear, plus an answering RTSP or SDK
/// port (or a port the port knowledge names RTSP: 8554 as 554), is a surveillance device. The
/// prefix alone is only a *likely* one (`maker_only`), typed as the brand's devices are.
/// A network-module maker's prefix (`module`) is never one.
fn oui_rule_hit<'a>(
    db: &'a SignatureDb,
    oui: &OuiEntry,
    atoms: &'a [Evidence],
    module: bool,
) -> Option<Hit<'a>> {
    let (signature, ports): &'a (Signature, Vec<u16>) = db.lexicon.oui_rule.as_ref()?;
    if module {
        return None;
    }
    let organization = oui.organization.to_lowercase();
    let surveillance_maker = db.lexicon.brands.iter().find(|b| {
        b.surveillance_only
            && ((!oui.vendor.is_empty()
                && (b.name.eq_ignore_ascii_case(&oui.vendor)
                    || b.aliases
                        .iter()
                        .any(|a| a.eq_ignore_ascii_case(&oui.vendor))))
                || b.ieee.iter().any(|o| contains_words(&organization, o)))
    })?;
    let services = &db.lexicon.oui_services;
    let port = atoms.iter().find(|a| {
        (a.source == TCP_OPEN && a.port.is_some_and(|p| ports.contains(&p)))
            || (a.source == TCP_SERVICE && services.iter().any(|s| s == &a.value))
    });
    // A maker that builds one kind of device (a doorbell maker) types it so.
    let typed = surveillance_maker
        .device_type
        .and_then(|t| db.lexicon.oui_typed.get(&t));
    match port {
        Some(port) => Some(Hit {
            signature: typed.map_or(signature, |(with_port, _)| with_port),
            atoms: vec![port],
            model: None,
            firmware: None,
        }),
        None => {
            let likely = db.lexicon.oui_maker_only.as_ref()?;
            Some(Hit {
                signature: typed.and_then(|(_, only)| only.as_ref()).unwrap_or(likely),
                atoms: Vec::new(),
                model: None,
                firmware: None,
            })
        }
    }
}

/// `name` occurs in `text` as whole words (case-insensitive): `Ctronics` is not in
/// `LG Electronics`. The same rule `scripts/update-oui.py` selects MAC prefixes by.
pub(crate) fn contains_words(text: &str, name: &str) -> bool {
    let text = text.to_lowercase();
    let name = name.trim().to_lowercase();
    if name.is_empty() {
        return false;
    }
    let alnum_at = |s: &str, i: usize| s[i..].chars().next().is_some_and(char::is_alphanumeric);
    text.match_indices(&name).any(|(i, m)| {
        let before = text[..i]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let after = i + m.len() < text.len() && alnum_at(&text, i + m.len());
        !before && !after
    })
}

/// Evidence sources that are surveillance context themselves: an RTSP server, realm or SDP
/// session is a video stream (RFC 2326 §1: RTSP controls the delivery of real-time media), so
/// a brand whose name is also a common word (`needs_class_word`) counts there.
const CLASS_CONTEXT: &[&str] = &[
    EvidenceSource::RTSP_SERVER,
    EvidenceSource::RTSP_REALM,
    EvidenceSource::RTSP_SDP_SESSION,
    EvidenceSource::RTSP_SDP_INFO,
    EvidenceSource::RTSP_SDP_TOOL,
];

fn is_class_context(source: &str) -> bool {
    CLASS_CONTEXT.contains(&source)
}

/// Identifies one host. Never fails: no evidence gives an unknown device with confidence 0.
pub fn identify(db: &SignatureDb, host: &HostObservation) -> Analysis {
    let (atoms, origins) = with_claims(atoms_for(host));
    let mut hits: Vec<Hit<'_>> = db
        .signatures()
        .iter()
        .filter_map(|s| match_signature(s, &atoms, &origins))
        .collect();
    hits.extend(lexicon_hits(db, &atoms, &origins));

    let stated = if host.mac.is_none() {
        stated_mac(&atoms)
    } else {
        None
    };
    let mac = host
        .mac
        .as_deref()
        .and_then(MacAddr::parse)
        .or(stated.map(|(_, m)| MacAddr(m)));
    let mac_shown = host
        .mac
        .clone()
        .or_else(|| stated.map(|(a, _)| format!("{} {}", a.source, a.value)));
    let local = mac.is_some_and(MacAddr::is_locally_administered);
    let oui = (!local)
        .then(|| mac.and_then(|m| db.oui.lookup(m.octets())))
        .flatten();
    let mac_vendor = oui.map(|e| e.display_name().to_string());
    // A network-module maker's or ODM's prefix names the chip's maker, never the device's.
    let module = oui.is_some_and(|e| db.lexicon.is_module_maker(&e.organization));
    hits.extend(oui.and_then(|e| oui_rule_hit(db, e, &atoms, module)));
    // Only rows with a short vendor name vote: a registry-only row (often a NIC-module maker)
    // says who made the network chip, not the device.
    let voting_vendor = oui
        .filter(|e| !e.vendor.is_empty() && !module)
        .map(|e| e.vendor.clone());

    let class = ClassDecision::of(&hits);
    let vendor = VendorDecision::of(db, &hits, voting_vendor.as_deref());
    let agreeing: Vec<&Hit<'_>> = hits
        .iter()
        .filter(|h| class.fits(h) && vendor.fits(db, h.signature.vendor.as_deref()))
        .collect();
    let mut support: Vec<Vote> = agreeing.iter().map(|h| vote(h)).collect();
    if voting_vendor.is_some()
        && vendor.family.is_some()
        && vendor.fits(db, voting_vendor.as_deref())
    {
        support.push(oui_vote());
    }
    let model = best_extracted(&agreeing, Extracted::Model).or_else(|| {
        if vendor.family.is_some() {
            stated_model(&host.evidence)
        } else {
            None
        }
    });
    let firmware = best_extracted(&agreeing, Extracted::Firmware);
    let device_type = class.device_type(&hits);
    let face_recognition = class.face_recognition(&hits);
    // Surveillance only because of the MAC maker: likely, not certain.
    let type_basis = (class.class == Some(Class::Surveillance)
        && hits
            .iter()
            .filter(|h| h.signature.device_type.and_then(class_of) == Some(Class::Surveillance))
            .all(|h| h.atoms.is_empty()))
    .then_some(TypeBasis::MacMakerOnly);
    let confidence = penalise(combine(&support), &[vendor.conflict, class.conflict]);
    let mut vendor_name = vendor.brand.clone();
    if vendor_name.is_none()
        && class.class == Some(Class::Surveillance)
        && let (Some((atom, name)), Some(signature)) = (
            stated_vendor(db, &atoms),
            db.lexicon.stated_vendor.signature.as_ref(),
        )
    {
        vendor_name = Some(name);
        hits.push(Hit {
            signature,
            atoms: vec![atom],
            model: None,
            firmware: None,
        });
    }

    Analysis {
        identity: Identity {
            vendor: vendor_name,
            maker: vendor.maker.clone(),
            model,
            firmware,
            device_type,
            type_basis,
            face_recognition,
            confidence,
            signatures: hits.iter().map(|h| h.signature.id.clone()).collect(),
        },
        matched: matched_atoms(
            &hits,
            mac_shown.as_deref(),
            mac_vendor.as_deref(),
            local,
            module,
        ),
        mac_vendor,
        mac_locally_administered: local,
        mac_module_maker: module,
    }
}
