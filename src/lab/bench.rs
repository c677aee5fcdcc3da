//! Benchmark labs (bench.toml): the store /24 with every address live, the sparse campus /16, and
//! camera-only labs of a chosen size for the scaling figures. Builds a [`LabSpec`]; no I/O.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::str::FromStr;

use ipnet::Ipv4Net;
use serde::Deserialize;

use super::persona::{GATEWAY_IP, GroupMember, HostGroup, LAB_SUBNET, SCANNER_IP, parse_mac};
use super::{LabError, LabSpec, Persona};

const BENCH: &str = include_str!("bench.toml");

/// Which benchmark lab to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// 198.18.0.0/24, every address live: 40 surveillance devices and 212 ordinary hosts.
    Store,
    /// 198.18.0.0/16 with 300 live hosts spread over it.
    Campus,
    /// `n` surveillance devices on the /24 and nothing else.
    Cameras(usize),
}

impl FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "store" => Ok(Scale::Store),
            "campus" => Ok(Scale::Campus),
            _ => s
                .strip_prefix("cameras:")
                .and_then(|n| n.parse().ok())
                .filter(|n| (1..=200).contains(n))
                .map(Scale::Cameras)
                .ok_or_else(|| format!("`{s}`: expected store, campus or cameras:N (N 1-200)")),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BenchFile {
    store: Layout,
    campus: Layout,
    #[serde(rename = "persona")]
    templates: Vec<Persona>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layout {
    subnet: Ipv4Net,
    cameras: usize,
    /// Template persona name → how many hosts answer like it.
    hosts: BTreeMap<String, usize>,
}

/// The lab for `scale`, validated.
///
/// # Errors
/// [`LabError::Spec`] when bench.toml or the personas it names are wrong (a build defect), or
/// when the layout does not fit its subnet.
pub fn spec(scale: Scale) -> Result<LabSpec, LabError> {
    let file: BenchFile = toml::from_str(BENCH).map_err(|e| spec_error(e.to_string()))?;
    let bundled = LabSpec::bundled()?;
    let (subnet, cameras, hosts) = match scale {
        Scale::Store => (file.store.subnet, file.store.cameras, file.store.hosts),
        Scale::Campus => (file.campus.subnet, file.campus.cameras, file.campus.hosts),
        Scale::Cameras(n) => (LAB_SUBNET, n, BTreeMap::new()),
    };
    let originals: Vec<&Persona> = bundled
        .personas
        .iter()
        .filter(|p| p.expect.device_type.is_surveillance() && p.expect.vendor.is_some())
        .collect();
    if originals.is_empty() {
        return Err(spec_error("no surveillance persona to copy".into()));
    }
    let router = bundled
        .personas
        .iter()
        .find(|p| p.ip == GATEWAY_IP)
        .ok_or_else(|| spec_error("no persona holds the gateway address".into()))?;
    let host_count: usize = hosts.values().sum();
    let mut addresses =
        Addresses::new(subnet, cameras + host_count, matches!(scale, Scale::Campus))?;

    let mut personas = vec![router.clone()];
    for n in 0..cameras {
        let original = originals[n % originals.len()];
        let copy = n / originals.len();
        let mut persona = original.clone();
        persona.name = format!("{}-{n}", original.name);
        persona.copy_of = Some(original.original_name().to_owned());
        persona.ip = addresses.next_ip()?;
        let oui = parse_mac(&original.mac).map_err(spec_error)?;
        persona.mac =
            crate::model::MacAddr(mac_under(oui, 0xca, copy, n % originals.len())).to_string();
        personas.push(persona);
    }
    let mut groups = Vec::new();
    for (g, (name, count)) in hosts.into_iter().enumerate() {
        let template = file
            .templates
            .iter()
            .chain(&bundled.personas)
            .find(|p| p.name == name)
            .ok_or_else(|| spec_error(format!("no template persona `{name}`")))?;
        let oui = parse_mac(&template.mac).map_err(spec_error)?;
        let members = (0..count)
            .map(|m| {
                Ok(GroupMember {
                    ip: addresses.next_ip()?,
                    mac: mac_under(oui, 0xb0 + (g as u8), m >> 8, m & 0xff),
                })
            })
            .collect::<Result<Vec<_>, LabError>>()?;
        groups.push(HostGroup {
            template: template.clone(),
            members,
        });
    }
    // The copies answer discovery as their originals do (keyed by `original_name`).
    let discovery = LabSpec::bundled()?.discovery;
    let spec = LabSpec {
        personas,
        discovery,
        subnet: Some(subnet),
        groups,
    };
    spec.validate()?;
    Ok(spec)
}

/// A MAC under `oui` whose NIC part says which copy it is.
fn mac_under(oui: [u8; 6], tag: u8, high: usize, low: usize) -> [u8; 6] {
    // Copies and members are counted in the hundreds at most: the two octets hold them.
    let byte = |n: usize| u8::try_from(n & 0xff).unwrap_or(0);
    [oui[0], oui[1], oui[2], tag, byte(high), byte(low)]
}

/// Deals out host addresses: one after the other, or spread evenly over the subnet.
struct Addresses {
    candidates: Vec<Ipv4Addr>,
    next: usize,
}

impl Addresses {
    fn new(subnet: Ipv4Net, wanted: usize, spread: bool) -> Result<Self, LabError> {
        let free: Vec<Ipv4Addr> = subnet
            .hosts()
            .filter(|ip| *ip != GATEWAY_IP && *ip != SCANNER_IP)
            .collect();
        if wanted > free.len() {
            return Err(spec_error(format!("{wanted} hosts do not fit in {subnet}")));
        }
        let candidates = if spread && wanted > 0 {
            let stride = free.len() / wanted;
            free.into_iter().step_by(stride.max(1)).collect()
        } else {
            free
        };
        Ok(Self {
            candidates,
            next: 0,
        })
    }

    fn next_ip(&mut self) -> Result<Ipv4Addr, LabError> {
        let ip = self
            .candidates
            .get(self.next)
            .copied()
            .ok_or_else(|| spec_error("subnet full".into()))?;
        self.next += 1;
        Ok(ip)
    }
}

fn spec_error(reason: String) -> LabError {
    LabError::Spec {
        persona: None,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store uses every address of its /24; the campus spreads 300 hosts over its /16.
    #[test]
    fn layouts_have_the_sizes_the_benchmarks_quote() {
        let store = spec(Scale::Store).unwrap();
        let grouped: usize = store.groups.iter().map(|g| g.members.len()).sum();
        assert_eq!(store.personas.len() + grouped, 253);
        let surveillance = store
            .personas
            .iter()
            .filter(|p| p.expect.device_type.is_surveillance())
            .count();
        assert_eq!(surveillance, 40);
        let models: std::collections::BTreeSet<_> =
            store.personas.iter().map(|p| p.model.as_str()).collect();
        assert!(models.len() >= 12, "{models:?}");

        let campus = spec(Scale::Campus).unwrap();
        let grouped: usize = campus.groups.iter().map(|g| g.members.len()).sum();
        assert_eq!(campus.personas.len() + grouped, 300);
        assert_eq!(campus.subnet().prefix_len(), 16);
        let last = campus
            .groups
            .iter()
            .flat_map(|g| &g.members)
            .map(|m| m.ip)
            .max();
        assert!(last > Some(Ipv4Addr::new(198, 18, 200, 0)), "{last:?}");
    }

    #[test]
    fn camera_labs_scale_by_count() {
        assert_eq!(spec(Scale::Cameras(64)).unwrap().personas.len(), 65);
        assert_eq!("cameras:4".parse(), Ok(Scale::Cameras(4)));
        assert!("cameras:0".parse::<Scale>().is_err());
    }
}
