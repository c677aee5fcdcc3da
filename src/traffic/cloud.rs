//! Cloud endpoint classification from `signatures/cloud/*.toml` (pure): domain patterns,
//! address ranges and service ports, each with provider, service, category, country and its
//! public source.

use ipnet::IpNet;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::IpAddr;
use toml::Spanned;

pub use crate::model::CloudCategory;

/// DNS, NTP and DHCP: what a device needs to be on a network, never a cloud destination.
pub const INFRASTRUCTURE: CloudCategory = CloudCategory::Infrastructure;

/// One known endpoint (or family of endpoints).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudEntry {
    /// Lower-case host patterns; `*` stands for any run of characters (dots included).
    #[serde(default)]
    pub domains: Vec<String>,
    /// CIDR ranges.
    #[serde(default)]
    pub ranges: Vec<IpNet>,
    /// Destination ports. With domains or ranges, the entry matches only contacts on these ports
    /// (a rendezvous server seen on UDP 32100 says nothing about an HTTPS server at the same
    /// address). Alone, the entry names a service by its port whoever runs it (DNS on 53): such
    /// entries are looked at first, so keep them to services that are infrastructure by nature.
    #[serde(default)]
    pub ports: Vec<u16>,
    pub provider: String,
    pub service: String,
    /// One of the endpoint categories (never `lan` or `unknown`, which say no entry matched).
    pub category: CloudCategory,
    /// ISO 3166 code of where the provider is based, where known.
    #[serde(default)]
    pub country: Option<String>,
    /// A vendor whose cloud analyses faces (customer-flow analytics): content sent there marks
    /// the device as doing face recognition.
    #[serde(default)]
    pub face_analytics: bool,
    /// The brand (a `brands.toml` name) whose own devices send here (EZVIZ's device platform,
    /// Blink's camera API): a device sending to it is probably that maker's, a vendor claim
    /// weaker than a banner. None for shared clouds, app-only APIs and infrastructure.
    #[serde(default)]
    pub maker: Option<String>,
    /// Where this entry comes from (repository + file, RFC, published list with its date).
    pub source: String,
    /// File the entry came from (set by the loader).
    #[serde(skip)]
    pub file: String,
}

impl CloudEntry {
    /// Whether the entry applies to a contact on `port` (unknown: only entries without ports).
    fn takes_port(&self, port: Option<u16>) -> bool {
        self.ports.is_empty() || port.is_some_and(|p| self.ports.contains(&p))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CloudFile {
    #[serde(default)]
    endpoint: Vec<Spanned<CloudEntry>>,
}

#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    /// Not TOML, or not the endpoint format (an unknown field or category, a wrong type).
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// An endpoint that parses but breaks a rule of the format; `line` is where it starts.
    #[error("{file}:{line}: endpoint {index} ({provider}): {message}")]
    Invalid {
        file: String,
        line: usize,
        index: usize,
        provider: String,
        message: String,
    },
}

/// How a destination was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// The name at this index of the names given.
    Name(usize),
    Range,
    /// By the destination port alone (DNS, NTP, DHCP).
    Port,
}

/// The endpoint database.
#[derive(Debug, Clone, Default)]
pub struct CloudDb {
    entries: Vec<CloudEntry>,
    /// Ranges grouped by prefix length, longest first, so the most specific range wins; within a
    /// group, network address → entry index. A lookup costs one hash probe per distinct prefix
    /// length (the routing snapshot holds about a thousand prefixes).
    ranges: Vec<RangeGroup>,
}

#[derive(Debug, Clone)]
struct RangeGroup {
    prefix_len: u8,
    v6: bool,
    /// Network address → entries in file order (port-restricted entries may share a network).
    networks: HashMap<IpAddr, Vec<usize>>,
}

impl CloudDb {
    /// Files a range under its prefix length. The same network listed twice keeps both, the
    /// first one first: files are read in path order and entries in file order.
    fn add_range(&mut self, net: IpNet, idx: usize) {
        let (prefix_len, v6) = (net.prefix_len(), matches!(net, IpNet::V6(_)));
        let group = match self
            .ranges
            .iter()
            .position(|g| g.prefix_len == prefix_len && g.v6 == v6)
        {
            Some(at) => &mut self.ranges[at],
            None => {
                self.ranges.push(RangeGroup {
                    prefix_len,
                    v6,
                    networks: HashMap::new(),
                });
                self.ranges.sort_by_key(|g| std::cmp::Reverse(g.prefix_len));
                let at = self
                    .ranges
                    .iter()
                    .position(|g| g.prefix_len == prefix_len && g.v6 == v6)
                    .unwrap_or_default();
                &mut self.ranges[at]
            }
        };
        group.networks.entry(net.network()).or_default().push(idx);
    }

    /// The most specific range holding `addr` whose entry takes `port`.
    fn range_entry(&self, addr: IpAddr, port: Option<u16>) -> Option<usize> {
        self.ranges.iter().find_map(|g| {
            let net = match addr {
                IpAddr::V4(a) if !g.v6 => IpNet::V4(ipnet::Ipv4Net::new(a, g.prefix_len).ok()?),
                IpAddr::V6(a) if g.v6 => IpNet::V6(ipnet::Ipv6Net::new(a, g.prefix_len).ok()?),
                _ => return None,
            };
            g.networks
                .get(&net.network())?
                .iter()
                .copied()
                .find(|&idx| self.entries[idx].takes_port(port))
        })
    }
}

impl CloudDb {
    /// Builds the database from `(path, contents)` pairs; only `cloud/*.toml` files are read.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, CloudError> {
        let mut db = CloudDb::default();
        let mut files: Vec<(&str, &str)> = files.into_iter().collect();
        files.sort_by_key(|(path, _)| *path);
        for (path, text) in files {
            if !(path.starts_with("cloud/") && path.ends_with(".toml")) {
                continue;
            }
            let parsed: CloudFile = toml::from_str(text).map_err(|e| {
                let (line, column) = e.span().map_or((1, 1), |span| {
                    crate::text_position::line_col(text, span.start)
                });
                CloudError::Syntax {
                    file: path.to_string(),
                    line,
                    column,
                    message: e.message().trim_end().to_string(),
                }
            })?;
            for (index, spanned) in parsed.endpoint.into_iter().enumerate() {
                let start = spanned.span().start;
                let mut entry = spanned.into_inner();
                let invalid = |message: String| CloudError::Invalid {
                    file: path.to_string(),
                    line: crate::text_position::line_col(text, start).0,
                    index,
                    provider: entry.provider.clone(),
                    message,
                };
                if !entry.category.is_endpoint_category() {
                    return Err(invalid(format!(
                        "category `{}` is the analyser's (no endpoint matched), not an endpoint's",
                        entry.category
                    )));
                }
                if entry.source.trim().is_empty() {
                    return Err(invalid("no source".into()));
                }
                if entry.maker.as_deref().is_some_and(|m| m.trim().is_empty()) {
                    return Err(invalid("empty maker".into()));
                }
                if entry.domains.is_empty() && entry.ranges.is_empty() && entry.ports.is_empty() {
                    return Err(invalid("neither domains, ranges nor ports".into()));
                }
                if let Some(bad) = entry
                    .domains
                    .iter()
                    .find(|d| d.is_empty() || d.chars().any(|c| c.is_ascii_uppercase() || c == ' '))
                {
                    return Err(invalid(format!(
                        "domain pattern `{bad}` must be lower-case, no spaces"
                    )));
                }
                entry.file = path.to_string();
                let idx = db.entries.len();
                for range in &entry.ranges {
                    db.add_range(range.trunc(), idx);
                }
                db.entries.push(entry);
            }
        }
        Ok(db)
    }

    pub fn entries(&self) -> &[CloudEntry] {
        &self.entries
    }

    /// The endpoint for a destination whose port is not known: names first, in the order given
    /// (most trusted first), then the address range; port-restricted entries never match.
    pub fn classify(&self, names: &[&str], addr: IpAddr) -> Option<(&CloudEntry, MatchedBy)> {
        self.classify_on(names, addr, None)
    }

    /// The endpoint for a contact on `port`: a service known by its port alone (DNS, NTP,
    /// DHCP) first, then names in the order given, then the most specific address range. A
    /// name or range naming who runs that same kind of service (a public resolver: Google's
    /// DNS over TLS to 8.8.8.8:853) is more precise than the port and wins; any other (an
    /// Alibaba Cloud server answering NTP) does not make the port's service a cloud.
    pub fn classify_on(
        &self,
        names: &[&str],
        addr: IpAddr,
        port: Option<u16>,
    ) -> Option<(&CloudEntry, MatchedBy)> {
        let service = port.and_then(|p| self.by_port(p));
        let operator = self.by_name_or_range(names, addr, port);
        match (service, operator) {
            (Some(service), Some((entry, by))) if entry.category == service.category => {
                Some((entry, by))
            }
            (Some(service), _) => Some((service, MatchedBy::Port)),
            (None, operator) => operator,
        }
    }

    /// Names in the order given, then the most specific address range.
    fn by_name_or_range(
        &self,
        names: &[&str],
        addr: IpAddr,
        port: Option<u16>,
    ) -> Option<(&CloudEntry, MatchedBy)> {
        for (i, name) in names.iter().enumerate() {
            let name = name.to_ascii_lowercase();
            if let Some(entry) = self
                .entries
                .iter()
                .find(|e| e.takes_port(port) && e.domains.iter().any(|p| glob_match(p, &name)))
            {
                return Some((entry, MatchedBy::Name(i)));
            }
        }
        self.range_entry(addr, port)
            .and_then(|idx| self.entries.get(idx))
            .map(|e| (e, MatchedBy::Range))
    }

    /// The service known by its port alone (an entry with ports and neither domains nor ranges).
    pub fn by_port(&self, port: u16) -> Option<&CloudEntry> {
        self.entries
            .iter()
            .find(|e| e.domains.is_empty() && e.ranges.is_empty() && e.ports.contains(&port))
    }
}

/// Whole-string match where `*` stands for any run of characters.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text.ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> CloudDb {
        crate::bundle::builtin_cloud().unwrap()
    }

    #[test]
    fn glob_patterns() {
        assert!(glob_match("apii*.ezvizlife.com", "apiieu.ezvizlife.com"));
        assert!(glob_match(
            "*.s3.amazonaws.com",
            "ring-transcoded-videos.s3.amazonaws.com"
        ));
        assert!(!glob_match(
            "*.s3.amazonaws.com",
            "s3.amazonaws.com.evil.example"
        ));
        assert!(glob_match(
            "face.*.myhuaweicloud.com",
            "face.cn-north-4.myhuaweicloud.com"
        ));
        assert!(!glob_match("api.ring.com", "xapi.ring.com"));
        assert!(!glob_match("a*a", "a"));
    }

    #[test]
    fn bundled_set_names_face_apis_and_the_yi_rendezvous_range() {
        let db = bundled();
        let (e, by) = db
            .classify(&["aip.baidubce.com"], "192.0.2.1".parse().unwrap())
            .unwrap();
        assert_eq!((e.category.as_str(), by), ("face_api", MatchedBy::Name(0)));
        let yi = "47.88.59.209".parse().unwrap();
        let (e, by) = db.classify_on(&[], yi, Some(32100)).unwrap();
        assert_eq!(by, MatchedBy::Range);
        assert_eq!(e.category.as_str(), "vendor_p2p");
        assert!(e.provider.contains("Alibaba"), "{}", e.provider);
        // The same server on another port, or another address of the range, is only Alibaba
        // Cloud: the rendezvous entry holds what the Yi capture shows, UDP 32100 to three hosts.
        for (addr, port) in [
            (yi, Some(443)),
            (yi, None),
            ("47.88.1.1".parse().unwrap(), Some(32100)),
        ] {
            let (e, _) = db.classify_on(&[], addr, port).unwrap();
            assert_eq!(e.category.as_str(), "generic_cloud", "{addr} {port:?}");
            assert!(e.provider.starts_with("Alibaba Cloud"), "{}", e.provider);
        }
        assert!(db.entries().iter().all(|e| !e.source.is_empty()));
        assert!(db.entries().len() >= 90, "{} entries", db.entries().len());
    }

    #[test]
    fn routing_snapshot_and_published_ranges_name_chinese_clouds_by_address() {
        let db = bundled();
        let by_range = |addr: &str| {
            let (e, by) = db.classify(&[], addr.parse().unwrap()).unwrap();
            assert_eq!(by, MatchedBy::Range, "{addr}");
            (e.provider.clone(), e.category.as_str(), e.file.clone())
        };
        for (addr, provider) in [
            ("8.209.70.1", "Alibaba Cloud"),     // AS45102
            ("47.96.1.1", "Alibaba Cloud"),      // AS37963
            ("2400:3200::100", "Alibaba Cloud"), // AS37963, IPv6 (::1 is AliDNS)
            ("43.135.10.1", "Tencent Cloud"),    // AS132203
            ("2402:4e00::8", "Tencent Cloud"),   // AS45090, IPv6
            ("119.3.1.1", "Huawei Cloud"),       // AS55990
            ("159.138.1.1", "Huawei Cloud"),     // AS136907
            ("180.76.76.10", "Baidu"), // AS55967 /24 inside AS38365's space (.76 is Baidu DNS)
            ("52.80.1.1", "Amazon Web Services China"),
            ("34.92.1.1", "Google Cloud"),
        ] {
            let (got, category, file) = by_range(addr);
            assert!(got.starts_with(provider), "{addr}: {got}");
            assert_eq!(category, "generic_cloud", "{addr}");
            assert!(
                file.contains("-ranges") || file.contains("routing-snapshot"),
                "{file}"
            );
        }
        // The hand-made Yi entry is more specific than AS45102, on its port.
        let (e, _) = db
            .classify_on(&[], "47.74.255.9".parse().unwrap(), Some(32100))
            .unwrap();
        assert_eq!(
            (e.category.as_str(), e.file.as_str()),
            ("vendor_p2p", "cloud/ranges.toml")
        );
        assert!(db.classify(&[], "192.0.2.1".parse().unwrap()).is_none());
        let generated = db
            .entries()
            .iter()
            .filter(|e| e.source.contains("signatures/cloud/sources/"))
            .count();
        assert!(generated >= 11, "{generated} generated entries");
    }

    /// Public resolvers and time servers are infrastructure by address or name, and DNS, NTP
    /// and DHCP are by port whoever runs them; AWS IoT Core endpoints are IoT messaging.
    #[test]
    fn resolvers_time_servers_and_service_ports_are_infrastructure() {
        let db = bundled();
        for addr in [
            "223.5.5.5",
            "223.6.6.6",
            "2400:3200::1",
            "119.29.29.29",
            "180.76.76.76",
            "114.114.114.114",
            "114.114.115.115",
            "8.8.8.8",
            "8.8.4.4",
            "1.1.1.1",
            "1.0.0.1",
            "9.9.9.9",
            "149.112.112.112",
        ] {
            // On DNS-over-HTTPS's port too: the address is the resolver's.
            let (e, by) = db
                .classify_on(&[], addr.parse().unwrap(), Some(443))
                .unwrap();
            assert_eq!(
                (e.category.as_str(), by),
                ("infrastructure", MatchedBy::Range),
                "{addr}"
            );
        }
        for name in [
            "cn.pool.ntp.org",
            "ntp.aliyun.com",
            "ntp.tencent.com",
            "time.google.com",
            "dns.google",
        ] {
            let (e, _) = db
                .classify_on(&[name], "192.0.2.1".parse().unwrap(), Some(443))
                .unwrap();
            assert_eq!(e.category.as_str(), "infrastructure", "{name}");
        }
        // By port, on any address (an Alibaba Cloud server answering NTP is not a cloud upload).
        for port in [53, 853, 123, 67, 68] {
            let (e, by) = db
                .classify_on(
                    &["x.oss-cn-hangzhou.aliyuncs.com"],
                    "47.96.1.1".parse().unwrap(),
                    Some(port),
                )
                .unwrap();
            assert_eq!(
                (e.category.as_str(), by),
                ("infrastructure", MatchedBy::Port),
                "{port}"
            );
        }
        assert!(db.by_port(443).is_none());
        // A public resolver on the DNS ports is still that resolver: its provider is known.
        for (names, addr, port, by) in [
            (&["dns.google"][..], "8.8.8.8", 853, MatchedBy::Name(0)),
            (&[][..], "8.8.8.8", 853, MatchedBy::Range),
            (&[][..], "223.5.5.5", 53, MatchedBy::Range),
        ] {
            let (e, matched) = db
                .classify_on(names, addr.parse().unwrap(), Some(port))
                .unwrap();
            assert_eq!(
                e.category,
                crate::model::CloudCategory::Infrastructure,
                "{addr}:{port}"
            );
            assert_ne!(e.provider, "DNS server", "{addr}:{port}");
            assert_eq!(matched, by, "{addr}:{port}");
        }
        for name in [
            "a3k7odshaiipe8-ats.iot.us-east-1.amazonaws.com",
            "a3k7odshaiipe8.iot.eu-west-1.amazonaws.com",
            "a3k7odshaiipe8.ats.iot.cn-north-1.amazonaws.com.cn",
        ] {
            let (e, _) = db
                .classify_on(&[name], "192.0.2.1".parse().unwrap(), Some(8883))
                .unwrap();
            assert_eq!(e.category.as_str(), "iot_mqtt", "{name}");
        }
    }

    /// Nest's own device protocol (TCP 11095) names the maker; the same names on HTTPS are
    /// also what the Nest app and web pages use, so they name no maker there.
    #[test]
    fn nest_devices_own_protocol_names_the_maker_and_https_does_not() {
        let db = bundled();
        let addr = "192.0.2.7".parse().unwrap();
        let (e, _) = db
            .classify_on(
                &["czfe105.front01.iad01.production.nest.com"],
                addr,
                Some(11095),
            )
            .unwrap();
        assert_eq!(e.maker.as_deref(), Some("Google Nest"));
        let https = db.classify_on(&["home.nest.com"], addr, Some(443));
        assert!(https.is_none_or(|(e, _)| e.maker.is_none()), "{https:?}");
    }

    #[test]
    fn equal_ranges_keep_the_entry_of_the_first_file() {
        let entry = |provider: &str| {
            format!(
                "[[endpoint]]\nranges=[\"203.0.113.0/24\"]\nprovider=\"{provider}\"\nservice=\"s\"\ncategory=\"generic_cloud\"\nsource=\"t\"\n"
            )
        };
        let (a, b) = (entry("A"), entry("B"));
        let db = CloudDb::from_files([("cloud/b.toml", b.as_str()), ("cloud/a.toml", a.as_str())])
            .unwrap();
        let (e, _) = db.classify(&[], "203.0.113.9".parse().unwrap()).unwrap();
        assert_eq!(e.provider, "A");
    }

    #[test]
    fn cname_target_classifies_when_the_asked_name_does_not() {
        let db = bundled();
        let (e, by) = db
            .classify(
                &["cam.example.org", "x.oss-cn-hangzhou.aliyuncs.com"],
                "192.0.2.1".parse().unwrap(),
            )
            .unwrap();
        assert_eq!(
            (e.category.as_str(), by),
            ("object_storage", MatchedBy::Name(1))
        );
    }

    #[test]
    fn broken_files_are_rejected_with_their_path() {
        let bad = "[[endpoint]]\ndomains=[\"a.example\"]\nprovider=\"X\"\nservice=\"s\"\ncategory=\"spyware\"\nsource=\"me\"\n";
        let err = CloudDb::from_files([("cloud/x.toml", bad)]).unwrap_err();
        // The file and the line of the unknown category, and what the known ones are.
        let text = err.to_string();
        assert!(text.starts_with("cloud/x.toml:5:"), "{text}");
        assert!(
            text.contains("spyware") && text.contains("vendor_cloud"),
            "{text}"
        );
        // `lan` and `unknown` are the analyser's words, not an endpoint's.
        let lan = bad.replace("spyware", "lan");
        let text = CloudDb::from_files([("cloud/x.toml", lan.as_str())])
            .unwrap_err()
            .to_string();
        assert!(
            text.starts_with("cloud/x.toml:1: endpoint 0 (X):"),
            "{text}"
        );
        let err = CloudDb::from_files([("cloud/y.toml", "[[endpoint]]\nprovider=1")]).unwrap_err();
        assert!(err.to_string().contains("cloud/y.toml"), "{err}");
    }
}
