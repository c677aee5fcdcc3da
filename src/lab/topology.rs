//! The lab's wiring over rtnetlink: a bridge in a "switch" namespace, the scanner's `lan0` in the
//! lab root namespace, and one veth per persona, created and configured without the `ip` binary.
//!
//! Each veth pair is made by a single request from the lab root: the switch end is created inside
//! the switch namespace already enslaved to `br0` and up, the other end (`eth0`) inside the
//! persona's namespace with the persona's MAC, then set up from there. Interface indexes are chosen by us, so no
//! lookups are needed afterwards.

use std::fs::File;
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;

use futures::TryStreamExt;
use rtnetlink::packet_route::link::{InfoData, InfoKind, InfoVeth, LinkAttribute};
use rtnetlink::packet_route::link::{InfoMacVlan, MacVlanMode};
use rtnetlink::packet_route::route::RouteScope;
use rtnetlink::{
    LinkBridge, LinkMacVlan, LinkMessageBuilder, LinkUnspec, LinkVeth, RouteMessageBuilder,
};

use super::LabError;

/// Index of `br0` inside the switch namespace.
pub const BRIDGE_INDEX: u32 = 2;
/// Index of `eth0` inside each persona namespace (`lo` is 1).
pub const PERSONA_ETH_INDEX: u32 = 2;
/// First index of the bridge ports; port `n` gets `SWITCH_PORT_BASE + n`.
pub const SWITCH_PORT_BASE: u32 = 10;
/// Broadcast frames queued for a host group's macvlans (kernel default 1 000).
const MACVLAN_BROADCAST_QUEUE: u32 = 65_536;
/// Name of the scanner's interface in the lab root namespace.
pub const SCANNER_INTERFACE: &str = "lan0";

/// How the lab's switch forwards unicast frames, which decides what the scanner's port sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Switch {
    /// Floods every frame to every port (address ageing 0): the scanner's port sees all traffic,
    /// like a managed switch's mirror (SPAN) port. The lab internet is a host on the bridge.
    #[default]
    Mirror,
    /// Learns addresses and ages them after 300 s, like an ordinary unmanaged switch: the
    /// scanner's port sees only its own, broadcast and not-yet-learnt traffic. The lab internet
    /// sits behind the router persona (a second link of its own), so uploads cross the switch
    /// as device → router frames only.
    Learning,
    /// [`Switch::Learning`], with the router persona not on the switch: its link runs through
    /// the lab root namespace, where the switch's uplink ends as [`INLINE_SWITCH_SIDE`] and the
    /// router's cable as [`INLINE_ROUTER_SIDE`], both up and without addresses, joined by
    /// nothing: the two wired ports of an inspector's laptop put in the cable between a shop's
    /// switch and its router, before anything passes between them (`audit --bridge`).
    Inline,
}

/// The inspector's port facing the switch, in the lab root namespace ([`Switch::Inline`]).
pub const INLINE_SWITCH_SIDE: &str = "dn0";
/// The inspector's port facing the router, in the lab root namespace ([`Switch::Inline`]).
pub const INLINE_ROUTER_SIDE: &str = "up0";
/// Index of [`INLINE_ROUTER_SIDE`] in the lab root namespace.
pub const INLINE_ROUTER_SIDE_INDEX: u32 = 60;
/// MACs of the two inline ports: locally administered, like a USB Ethernet adapter's may be.
pub const INLINE_SWITCH_SIDE_MAC: [u8; 6] = [0x02, 0x00, 0x5e, 0x18, 0x00, 0xd0];

/// The Linux bridge default (300 s, in the netlink unit of 1/100 s), as on unmanaged switches.
const LEARNING_AGEING_CENTISECONDS: u32 = 30_000;

/// A netlink connection bound to the namespace of the thread that opened it.
pub struct Netlink {
    handle: rtnetlink::Handle,
    who: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Netlink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One veth pair: bridge port in the switch namespace, host end in `host_ns`.
pub struct VethPair<'a> {
    pub switch_ns: &'a File,
    pub port_name: String,
    pub port_index: u32,
    pub host_ns: &'a File,
    pub host_name: &'a str,
    /// `None` lets the kernel choose (used for `lan0`, which is looked up by name).
    pub host_index: Option<u32>,
    pub host_mac: [u8; 6],
}

impl Netlink {
    /// Opens a connection in the calling thread's namespace; its I/O runs on the current tokio
    /// runtime (enter one first when calling from a plain thread).
    ///
    /// # Errors
    /// [`LabError::Namespace`] if the socket cannot be opened.
    pub fn open(who: &str) -> Result<Netlink, LabError> {
        let (connection, handle, _) =
            rtnetlink::new_connection().map_err(|source| LabError::Namespace {
                step: "open a netlink socket",
                source,
            })?;
        let task = tokio::spawn(connection);
        Ok(Netlink {
            handle,
            who: who.to_owned(),
            task,
        })
    }

    fn fail(&self, step: &'static str) -> impl FnOnce(rtnetlink::Error) -> LabError + '_ {
        move |source| LabError::Netlink {
            who: self.who.clone(),
            step,
            source,
        }
    }

    /// Sets `lo` (index 1 in every namespace) up.
    ///
    /// # Errors
    /// [`LabError::Netlink`] when the kernel refuses.
    pub async fn loopback_up(&self) -> Result<(), LabError> {
        self.link_up(1).await
    }

    /// Names of every interface in this namespace.
    ///
    /// # Errors
    /// [`LabError::Netlink`] when the dump fails.
    pub async fn interface_names(&self) -> Result<Vec<String>, LabError> {
        let links: Vec<_> = self
            .handle
            .link()
            .get()
            .execute()
            .try_collect()
            .await
            .map_err(self.fail("list interfaces"))?;
        Ok(links
            .iter()
            .flat_map(|l| l.attributes.iter())
            .filter_map(|a| match a {
                LinkAttribute::IfName(name) => Some(name.clone()),
                _ => None,
            })
            .collect())
    }

    /// Index of the interface called `name` in this namespace.
    ///
    /// # Errors
    /// [`LabError::Netlink`] when it does not exist.
    pub async fn index_of(&self, name: &str) -> Result<u32, LabError> {
        let mut links = self
            .handle
            .link()
            .get()
            .match_name(name.to_owned())
            .execute();
        match links
            .try_next()
            .await
            .map_err(self.fail("look up interface"))?
        {
            Some(link) => Ok(link.header.index),
            None => Err(LabError::Netlink {
                who: self.who.clone(),
                step: "look up interface",
                source: rtnetlink::Error::RequestFailed,
            }),
        }
    }

    /// Creates the bridge `br0` inside `switch_ns`: flooding (a mirror port's view) or learning
    /// (an ordinary unmanaged switch).
    ///
    /// # Errors
    /// [`LabError::Netlink`] when the kernel refuses.
    pub async fn add_bridge(&self, switch_ns: &File, switch: Switch) -> Result<(), LabError> {
        let ageing = match switch {
            // Ageing 0 forgets every learnt MAC at once, so the bridge floods all unicast
            // frames to every port, like a switch's mirror port.
            Switch::Mirror => 0,
            Switch::Learning | Switch::Inline => LEARNING_AGEING_CENTISECONDS,
        };
        let message = LinkBridge::new("br0")
            .index(BRIDGE_INDEX)
            .setns_by_fd(switch_ns.as_raw_fd())
            .ageing_time(ageing)
            .mcast_snooping(false)
            .up()
            .build();
        self.handle
            .link()
            .add(message)
            .execute()
            .await
            .map_err(self.fail("create bridge br0"))
    }

    /// Creates a veth pair with both ends already placed; the switch end is enslaved and up, the
    /// host end must be set up afterwards with [`Netlink::link_up`] from its own namespace (the
    /// kernel opens the peer before the pair is joined, so an `up` flag on it fails with ENOTCONN).
    ///
    /// # Errors
    /// [`LabError::Netlink`] when the kernel refuses.
    pub async fn add_veth(&self, pair: &VethPair<'_>) -> Result<(), LabError> {
        let mut host = LinkMessageBuilder::<LinkUnspec>::new()
            .name(pair.host_name)
            .address(pair.host_mac.to_vec())
            .setns_by_fd(pair.host_ns.as_raw_fd());
        if let Some(index) = pair.host_index {
            host = host.index(index);
        }
        let message = LinkMessageBuilder::<LinkVeth>::new_with_info_kind(InfoKind::Veth)
            .name(pair.port_name.clone())
            .index(pair.port_index)
            .setns_by_fd(pair.switch_ns.as_raw_fd())
            .controller(BRIDGE_INDEX)
            .up()
            .set_info_data(InfoData::Veth(InfoVeth::Peer(host.build())))
            .build();
        self.handle
            .link()
            .add(message)
            .execute()
            .await
            .map_err(self.fail("create veth pair"))
    }

    /// Creates a veth pair joining two namespaces directly (no bridge): `a_name` (index
    /// `a_index`) in `a_ns` and `b_name` (index `b_index`, MAC `b_mac`) in `b_ns`, to be
    /// each set up from its own namespace with [`Netlink::link_up`].
    ///
    /// # Errors
    /// [`LabError::Netlink`] when the kernel refuses.
    pub async fn add_link_veth(
        &self,
        a: (&File, &str, u32),
        b: (&File, &str, u32, [u8; 6]),
    ) -> Result<(), LabError> {
        let (a_ns, a_name, a_index) = a;
        let (b_ns, b_name, b_index, b_mac) = b;
        let peer = LinkMessageBuilder::<LinkUnspec>::new()
            .name(b_name)
            .index(b_index)
            .address(b_mac.to_vec())
            .setns_by_fd(b_ns.as_raw_fd())
            .build();
        let message = LinkMessageBuilder::<LinkVeth>::new_with_info_kind(InfoKind::Veth)
            .name(a_name.to_owned())
            .index(a_index)
            .setns_by_fd(a_ns.as_raw_fd())
            .set_info_data(InfoData::Veth(InfoVeth::Peer(peer)))
            .build();
        self.handle
            .link()
            .add(message)
            .execute()
            .await
            .map_err(self.fail("create a point-to-point veth pair"))
    }

    /// Adds a route to `dest/prefix` via `gateway`.
    ///
    /// # Errors
    /// [`LabError::Netlink`] when the kernel refuses.
    pub async fn route_via(
        &self,
        dest: Ipv4Addr,
        prefix: u8,
        gateway: Ipv4Addr,
    ) -> Result<(), LabError> {
        let route = RouteMessageBuilder::<Ipv4Addr>::new()
            .destination_prefix(dest, prefix)
            .gateway(gateway)
            .build();
        self.handle
            .route()
            .add(route)
            .execute()
            .await
            .map_err(self.fail("add route via a gateway"))
    }

    /// Creates macvlan `index` on `parent` (same namespace) with its own MAC, already up: one more
    /// host on the parent's link that answers ARP for its own addresses only.
    ///
    /// # Errors
    /// [`LabError::Netlink`] when the kernel refuses.
    pub async fn add_macvlan(&self, parent: u32, index: u32, mac: [u8; 6]) -> Result<(), LabError> {
        let message = LinkMacVlan::new(&format!("mv{index}"), parent, MacVlanMode::Bridge)
            // Broadcasts (every ARP request) reach the macvlans through a queue the kernel
            // drains on a worker; its default 1 000 frames overflow when a /16 sweep meets a
            // busy CPU, and the dropped requests look like absent hosts.
            .append_info_data(InfoMacVlan::BcQueueLen(MACVLAN_BROADCAST_QUEUE))
            .index(index)
            .address(mac.to_vec())
            .up()
            .build();
        self.handle
            .link()
            .add(message)
            .execute()
            .await
            .map_err(self.fail("create macvlan"))
    }

    /// Sets interface `index` up.
    ///
    /// # Errors
    /// [`LabError::Netlink`] when the kernel refuses.
    pub async fn link_up(&self, index: u32) -> Result<(), LabError> {
        let message = LinkUnspec::new_with_index(index).up().build();
        self.handle
            .link()
            .set(message)
            .execute()
            .await
            .map_err(self.fail("set interface up"))
    }

    /// Adds `ip/prefix` to interface `index`.
    ///
    /// # Errors
    /// [`LabError::Netlink`] when the kernel refuses.
    pub async fn add_ipv4(&self, index: u32, ip: Ipv4Addr, prefix: u8) -> Result<(), LabError> {
        self.handle
            .address()
            .add(index, ip.into(), prefix)
            .execute()
            .await
            .map_err(self.fail("add address"))
    }

    /// Adds a default route via `gateway`.
    ///
    /// # Errors
    /// [`LabError::Netlink`] when the kernel refuses.
    pub async fn default_route(&self, gateway: Ipv4Addr) -> Result<(), LabError> {
        let route = RouteMessageBuilder::<Ipv4Addr>::new()
            .gateway(gateway)
            .build();
        self.handle
            .route()
            .add(route)
            .execute()
            .await
            .map_err(self.fail("add default route"))
    }

    /// Adds a route to `dest/prefix` straight out of interface `index` (on the link, no gateway).
    ///
    /// # Errors
    /// [`LabError::Netlink`] when the kernel refuses.
    pub async fn link_route(&self, dest: Ipv4Addr, prefix: u8, index: u32) -> Result<(), LabError> {
        let route = RouteMessageBuilder::<Ipv4Addr>::new()
            .destination_prefix(dest, prefix)
            .output_interface(index)
            .scope(RouteScope::Link)
            .build();
        self.handle
            .route()
            .add(route)
            .execute()
            .await
            .map_err(self.fail("add link route"))
    }
}
