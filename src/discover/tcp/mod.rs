//! Async TCP connect sweep: which targets are up and which of the swept ports are open.
//!
//! Per host, a first wave of the likeliest ports decides liveness (see [`connect::judge_liveness`]);
//! only live hosts get their remaining ports swept. This keeps a /24 with few live hosts fast:
//! an empty address costs one connect timeout, not one per port.

pub mod connect;
pub mod limits;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tracing::{debug, instrument};

use self::connect::{ConnectOutcome, Liveness, connect_once, judge_liveness};
use self::limits::{RateGate, raise_nofile_limit};
use super::ProgressSink;
use super::neighbour::{NeighbourEntry, NeighbourSource, ProcNetArp};
use crate::model::{HostObservation, OpenPort, SeenBy};

/// A host whose first wave only timed out drops SYNs before its TCP stack sees them, so its
/// remaining ports are all tried at once (up to this many): the device never sees them, and
/// the sweep waits one connect timeout for that host instead of one per few ports.
const FILTERED_CONCURRENCY: usize = 64;

// A host that answered (open, refused or reset) but whose connect to some ports timed out gets
// those ports tried again ([`crate::retry`]): on a lossy link a SYN or SYN-ACK was lost. Hosts
// that never answered are not retried, so an empty address or a firewall still costs one timeout.

/// How the sweep runs.
#[derive(Debug, Clone)]
pub struct SweepConfig {
    /// TCP ports to try on every target.
    pub ports: Vec<u16>,
    /// The service each port usually carries (`signatures/ports.toml`); missing ports are `unknown`.
    pub services: BTreeMap<u16, String>,
    /// Ports tried first on every host, likeliest first (`signatures/ports.toml`, `first_wave`);
    /// swept ports not listed follow in the order given.
    pub first_wave: Vec<u16>,
    /// Connection attempts in flight at once, over all hosts (capped below the open-file limit).
    pub global_concurrency: usize,
    /// Connection attempts in flight at once to one host: embedded TCP stacks are fragile.
    pub per_host_concurrency: usize,
    /// How long one connect may take before the port counts as silent.
    pub connect_timeout: Duration,
    /// Time budget for one host; ports not tried by then are skipped with a note.
    pub host_deadline: Duration,
    /// New connections per second over the whole sweep; `None` is unlimited.
    pub rate: Option<u32>,
}

impl Default for SweepConfig {
    fn default() -> Self {
        Self {
            ports: Vec::new(),
            services: BTreeMap::new(),
            first_wave: Vec::new(),
            global_concurrency: 1024,
            per_host_concurrency: 4,
            connect_timeout: Duration::from_millis(1000),
            host_deadline: Duration::from_secs(6),
            rate: None,
        }
    }
}

/// What the sweep found.
#[derive(Debug, Clone, Default)]
pub struct SweepResult {
    /// Live hosts only, sorted by address, each with its open ports sorted.
    pub hosts: Vec<HostObservation>,
    /// Sweep-wide remarks for the report (limits, unreadable neighbour table).
    pub notes: Vec<crate::model::Note>,
    /// Bounds reached while collecting (replies kept per inquiry …).
    pub limits_hit: Vec<crate::model::LimitHit>,
}

/// Sweeps `targets`, using the kernel's neighbour table (`/proc/net/arp`) for liveness.
pub async fn sweep(
    targets: &[IpAddr],
    cfg: &SweepConfig,
    progress: &dyn ProgressSink,
) -> SweepResult {
    sweep_with(targets, cfg, progress, &ProcNetArp).await
}

/// Shared state of one sweep.
struct Sweep<'a> {
    cfg: &'a SweepConfig,
    global: Semaphore,
    rate: RateGate,
    neighbours: &'a dyn NeighbourSource,
    progress: &'a dyn ProgressSink,
    first_wave: Vec<u16>,
    rest: Vec<u16>,
}

/// Receives each live host as soon as its sweep is done, so probing can start before the
/// slowest host's connect timeouts are over.
pub type LiveSink = futures::channel::mpsc::UnboundedSender<HostObservation>;

/// [`sweep`] with the neighbour table supplied by the caller (tests, a raw ARP sweep).
pub async fn sweep_with(
    targets: &[IpAddr],
    cfg: &SweepConfig,
    progress: &dyn ProgressSink,
    neighbours: &dyn NeighbourSource,
) -> SweepResult {
    sweep_with_sink(targets, cfg, progress, neighbours, None).await
}

/// [`sweep_with`], also sending a copy of each live host to `sink` the moment it is known.
pub async fn sweep_with_sink(
    targets: &[IpAddr],
    cfg: &SweepConfig,
    progress: &dyn ProgressSink,
    neighbours: &dyn NeighbourSource,
    sink: Option<&LiveSink>,
) -> SweepResult {
    let mut notes = Vec::new();
    let (fd_budget, fd_note) = raise_nofile_limit();
    notes.extend(fd_note);
    let global = cfg.global_concurrency.max(1);
    if global > fd_budget {
        notes.push(
            crate::model::Note::new("sweep_concurrency_lowered")
                .arg("wanted", global)
                .arg("budget", fd_budget),
        );
    }
    let (first_wave, rest) =
        order_ports(&cfg.ports, &cfg.first_wave, cfg.per_host_concurrency.max(1));
    let sweep = Sweep {
        cfg,
        global: Semaphore::new(global.min(fd_budget)),
        rate: RateGate::new(cfg.rate),
        neighbours,
        progress,
        first_wave,
        rest,
    };
    let total = targets.len() as u64 * (sweep.first_wave.len() + sweep.rest.len()) as u64;
    progress.set_total("tcp sweep", total);
    let results = join_all(targets.iter().map(|ip| {
        let sweep = &sweep;
        async move {
            let result = sweep.host(*ip).await;
            if let HostResult::Up(host) | HostResult::NeighbourError(_, Some(host)) = &result {
                progress.host_up(host);
                if let Some(sink) = sink {
                    // A closed receiver only means nobody wants them early; the result keeps them.
                    let _ = sink.unbounded_send(host.as_ref().clone());
                }
            }
            result
        }
    }))
    .await;
    progress.finish();

    let mut neighbour_error = None;
    let mut hosts = Vec::new();
    for result in results {
        match result {
            HostResult::Up(host) => hosts.push(*host),
            HostResult::Down => {}
            HostResult::NeighbourError(err, host) => {
                neighbour_error.get_or_insert(err);
                hosts.extend(host.map(|h| *h));
            }
        }
    }
    if let Some(err) = neighbour_error {
        notes.push(crate::model::Note::new("neighbour_table_unreadable").arg("error", err));
    }
    hosts.sort_by_key(|h| h.ip);
    SweepResult {
        hosts,
        notes,
        limits_hit: Vec::new(),
    }
}

enum HostResult {
    Up(Box<HostObservation>),
    Down,
    NeighbourError(String, Option<Box<HostObservation>>),
}

impl Sweep<'_> {
    #[instrument(skip_all, fields(host = %ip))]
    async fn host(&self, ip: IpAddr) -> HostResult {
        let deadline = Instant::now() + self.cfg.host_deadline;
        let per_host = self.cfg.per_host_concurrency.max(1);
        let wave = self.wave(ip, &self.first_wave, per_host, deadline).await;
        let outcomes: Vec<ConnectOutcome> = wave.iter().filter_map(|(_, o)| o.clone()).collect();

        let (entry, neighbour_error) = match self.neighbours.snapshot() {
            Ok(table) => (table.into_iter().find(|e| e.ip == ip), None),
            Err(err) => (None, Some(err.to_string())),
        };
        let resolved = entry.as_ref().is_some_and(|e| e.resolved);
        let liveness = judge_liveness(&outcomes, resolved);
        debug!(?liveness, "first wave done");
        if liveness == Liveness::Down {
            self.progress.advance(self.rest.len() as u64);
            return match neighbour_error {
                Some(err) => HostResult::NeighbourError(err, None),
                None => HostResult::Down,
            };
        }

        let concurrency = if liveness == Liveness::Filtered {
            FILTERED_CONCURRENCY.max(per_host)
        } else {
            per_host
        };
        let rest = self.wave(ip, &self.rest, concurrency, deadline).await;
        let mut outcomes: Vec<(u16, Option<ConnectOutcome>)> =
            wave.into_iter().chain(rest).collect();
        // A host judged filtered from its first wave may still have answered on a later port
        // (its first-wave SYNs lost on a lossy link): any answer makes its timeouts worth a retry.
        let answered = outcomes
            .iter()
            .any(|(_, o)| o.as_ref().is_some_and(ConnectOutcome::host_answered));
        if answered {
            self.retry_timeouts(ip, &mut outcomes, concurrency, deadline)
                .await;
        }
        let host = self.observation(ip, liveness, entry.as_ref(), outcomes.into_iter());
        match neighbour_error {
            Some(err) => HostResult::NeighbourError(err, Some(Box::new(host))),
            None => HostResult::Up(Box::new(host)),
        }
    }

    /// Tries again, in up to [`crate::retry::RETRIES`] rounds with backoff, the ports of a live host whose
    /// connect timed out. Each retry waits twice the connect timeout, so the kernel's own SYN
    /// retransmission (after 1 s) falls inside it. The host deadline still bounds everything.
    async fn retry_timeouts(
        &self,
        ip: IpAddr,
        outcomes: &mut [(u16, Option<ConnectOutcome>)],
        concurrency: usize,
        deadline: Instant,
    ) {
        let per_host = Semaphore::new(concurrency);
        let mut backoff = crate::retry::Backoff::until(Some(deadline));
        loop {
            let pending: Vec<usize> = (0..outcomes.len())
                .filter(|&i| outcomes[i].1 == Some(ConnectOutcome::TimedOut))
                .collect();
            if pending.is_empty() || !backoff.another(self.cfg.connect_timeout).await {
                return;
            }
            debug!(ports = pending.len(), "retrying timed-out ports");
            // Twice the connect timeout (capped by the deadline): the kernel's own SYN resend
            // after 1 s then falls inside it.
            let timeout = self.cfg.connect_timeout * 2;
            let retried = join_all(pending.iter().map(|&i| {
                let per_host = &per_host;
                let addr = SocketAddr::new(ip, outcomes[i].0);
                async move { self.attempt(addr, per_host, deadline, timeout).await }
            }))
            .await;
            for (i, outcome) in pending.into_iter().zip(retried) {
                if let Some(outcome) = outcome {
                    outcomes[i].1 = Some(outcome);
                }
            }
        }
    }

    /// Tries `ports` on `ip`, at most `concurrency` at once; ports not started by `deadline` are
    /// reported as `None`.
    async fn wave(
        &self,
        ip: IpAddr,
        ports: &[u16],
        concurrency: usize,
        deadline: Instant,
    ) -> Vec<(u16, Option<ConnectOutcome>)> {
        let per_host = Semaphore::new(concurrency);
        let attempts = ports.iter().map(|&port| {
            let per_host = &per_host;
            async move {
                let outcome = self
                    .attempt(
                        SocketAddr::new(ip, port),
                        per_host,
                        deadline,
                        self.cfg.connect_timeout,
                    )
                    .await;
                self.progress.advance(1);
                (port, outcome)
            }
        });
        join_all(attempts).await
    }

    async fn attempt(
        &self,
        addr: SocketAddr,
        per_host: &Semaphore,
        deadline: Instant,
        timeout: Duration,
    ) -> Option<ConnectOutcome> {
        let permits = async {
            let host_permit = per_host.acquire().await.ok()?;
            let global_permit = self.global.acquire().await.ok()?;
            Some((host_permit, global_permit))
        };
        let _permits = tokio::time::timeout_at(deadline, permits).await.ok()??;
        self.rate.wait().await;
        let left = deadline.checked_duration_since(Instant::now())?;
        if left.is_zero() {
            return None;
        }
        Some(connect_once(addr, timeout.min(left)).await)
    }

    fn observation(
        &self,
        ip: IpAddr,
        liveness: Liveness,
        entry: Option<&NeighbourEntry>,
        outcomes: impl Iterator<Item = (u16, Option<ConnectOutcome>)>,
    ) -> HostObservation {
        let mut host = HostObservation::new(ip);
        if liveness == Liveness::Answered {
            host.mark_seen(SeenBy::TcpConnect);
        }
        if let Some(e) = entry.filter(|e| e.resolved) {
            host.mark_seen(SeenBy::Neighbour);
            host.mac = Some(e.mac.clone());
        }
        let mut skipped = 0;
        let mut local_errors = Vec::new();
        for (port, outcome) in outcomes {
            match outcome {
                None => skipped += 1,
                Some(ConnectOutcome::Open) => host.open_ports.push(self.open_port(port)),
                Some(ConnectOutcome::LocalError(err)) => {
                    local_errors.push(format!("{port}: {err}"))
                }
                Some(_) => {}
            }
        }
        host.open_ports.sort();
        if skipped > 0 {
            host.notes.push(
                crate::model::Note::new("sweep_host_deadline")
                    .arg("deadline", format_args!("{:?}", self.cfg.host_deadline))
                    .arg("skipped", skipped),
            );
        }
        if !local_errors.is_empty() {
            host.notes.push(
                crate::model::Note::new("sweep_local_errors").arg("ports", local_errors.join(", ")),
            );
        }
        host
    }

    fn open_port(&self, port: u16) -> OpenPort {
        OpenPort {
            port,
            protocol: "tcp".to_string(),
            service: self
                .cfg
                .services
                .get(&port)
                .cloned()
                .unwrap_or_else(|| "unknown".to_string()),
        }
    }
}

/// Splits the port list into the first wave (likeliest ports first) and the rest, without duplicates.
fn order_ports(ports: &[u16], likely: &[u16], first_wave_len: usize) -> (Vec<u16>, Vec<u16>) {
    let mut ordered: Vec<u16> = likely
        .iter()
        .copied()
        .filter(|p| ports.contains(p))
        .collect();
    for &p in ports {
        if !ordered.contains(&p) {
            ordered.push(p);
        }
    }
    let rest = ordered.split_off(first_wave_len.min(ordered.len()));
    (ordered, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cameras' ports lead the first wave whatever order the caller gave, and nothing is tried twice.
    #[test]
    fn first_wave_prefers_camera_ports() {
        let likely = crate::bundle::builtin_ports().unwrap().first_wave;
        let (first, rest) = order_ports(&[21, 8000, 80, 9100, 554, 80, 443], &likely, 4);
        assert_eq!(first, vec![80, 554, 443, 8000]);
        assert_eq!(rest, vec![21, 9100]);
        let (first, rest) = order_ports(&[9100], &likely, 4);
        assert_eq!(first, vec![9100]);
        assert!(rest.is_empty());
    }
}
