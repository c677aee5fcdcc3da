//! Host groups of the benchmark labs: many ordinary hosts in one namespace. The namespace has one
//! veth to the switch (`eth0`, no address) and one macvlan per member carrying the member's MAC
//! and address; listeners bound on 0.0.0.0 answer for every member. `arp_ignore = 1` makes each
//! macvlan answer ARP for its own address only, so every member is a host of its own on the wire.

use std::fs::File;
use std::net::TcpListener as StdListener;
use std::sync::Arc;

use futures::future::try_join_all;

use super::start::{bind_listeners, joined, serve_persona};
use super::topology::{Netlink, PERSONA_ETH_INDEX, VethPair};
use super::{HostGroup, LabError, PersonaStats, ns};

/// Interface index of the first member's macvlan (the next ones follow).
const FIRST_MEMBER_INDEX: u32 = 100;

/// A group's namespace once made.
pub struct GroupNs {
    pub group: Arc<HostGroup>,
    pub handle: File,
    pub netlink: Netlink,
    listeners: Vec<(u16, StdListener)>,
}

/// Makes the group's namespace: netlink, ARP answered per interface, the template's listeners.
pub async fn make(group: Arc<HostGroup>) -> Result<GroupNs, LabError> {
    let runtime = tokio::runtime::Handle::current();
    let inside = Arc::clone(&group);
    let made = tokio::task::spawn_blocking(move || {
        ns::new_netns("create a host group namespace", move || {
            let _runtime = runtime.enter();
            let netlink = Netlink::open(&inside.template.name)?;
            // /proc/sys/net is the opening thread's namespace: this sets it for every interface here.
            std::fs::write("/proc/sys/net/ipv4/conf/all/arp_ignore", "1").map_err(|source| {
                LabError::Namespace {
                    step: "set arp_ignore in a host group namespace",
                    source,
                }
            })?;
            let listeners = bind_listeners(&inside.template)?;
            Ok::<_, LabError>((netlink, listeners))
        })
    })
    .await
    .map_err(joined("create a host group namespace"))?;
    let (handle, inside) = made?;
    let (netlink, listeners) = inside?;
    Ok(GroupNs {
        group,
        handle,
        netlink,
        listeners,
    })
}

/// The veth from switch port `port_index` to the group's `eth0` (a locally administered MAC that
/// never speaks for a member).
pub fn pair<'a>(
    switch_ns: &'a File,
    port_index: u32,
    n: usize,
    group_ns: &'a GroupNs,
) -> VethPair<'a> {
    let tag = u8::try_from(n & 0xff).unwrap_or(0);
    VethPair {
        switch_ns,
        port_name: format!("swg{n}"),
        port_index,
        host_ns: &group_ns.handle,
        host_name: "eth0",
        host_index: Some(PERSONA_ETH_INDEX),
        host_mac: [0x02, 0x00, 0x5e, 0x18, 0xee, tag],
    }
}

/// `lo` and `eth0` up, then one macvlan per member with its address.
pub async fn configure(group_ns: &GroupNs, prefix: u8) -> Result<(), LabError> {
    let netlink = &group_ns.netlink;
    tokio::try_join!(netlink.loopback_up(), netlink.link_up(PERSONA_ETH_INDEX))?;
    try_join_all(group_ns.group.members.iter().zip(FIRST_MEMBER_INDEX..).map(
        |(member, index)| async move {
            netlink
                .add_macvlan(PERSONA_ETH_INDEX, index, member.mac)
                .await?;
            netlink.add_ipv4(index, member.ip, prefix).await
        },
    ))
    .await?;
    Ok(())
}

/// Starts the template's services for every member.
pub fn serve(
    group_ns: GroupNs,
) -> Result<(Vec<tokio::task::JoinHandle<()>>, File, Netlink), LabError> {
    let template = Arc::new(group_ns.group.template.clone());
    // A group's members are ordinary hosts: nobody reads their connection counts.
    let stats = Arc::new(PersonaStats::default());
    let servers = serve_persona(&template, group_ns.listeners, &stats)?;
    Ok((servers, group_ns.handle, group_ns.netlink))
}
