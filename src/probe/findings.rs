//! What the probes of one host collected so far. Shared by the port probes running at once and
//! kept when the host deadline cuts them short.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use crate::model::{CutReason, CutShort, Evidence, HostObservation};

#[derive(Debug, Default)]
struct Collected {
    evidence: Vec<Evidence>,
    notes: Vec<crate::model::Note>,
    cut_short: Vec<CutShort>,
    services: BTreeMap<u16, String>,
    onvif_found: bool,
}

/// Thread-safe collector; never held across an await.
#[derive(Debug, Default)]
pub struct Findings {
    inner: Mutex<Collected>,
}

impl Findings {
    fn with<R>(&self, f: impl FnOnce(&mut Collected) -> R) -> R {
        // A panicking probe task cannot leave the lists half-written in a harmful way.
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    pub fn push(&self, ev: Evidence) {
        self.with(|c| {
            if !c.evidence.contains(&ev) {
                c.evidence.push(ev);
            }
        });
    }

    pub fn extend(&self, evs: impl IntoIterator<Item = Evidence>) {
        for ev in evs {
            self.push(ev);
        }
    }

    pub fn note(&self, note: crate::model::Note) {
        self.with(|c| c.notes.push(note));
    }

    /// A probe stopped before it was done: recorded for the report, and as a note.
    pub fn cut(
        &self,
        probe: &str,
        port: Option<u16>,
        reason: CutReason,
        detail: impl Into<String>,
    ) {
        let cut = CutShort::new(probe, port, reason, detail);
        self.with(|c| {
            let seen = c
                .cut_short
                .iter()
                .any(|x| x.probe == cut.probe && x.port == cut.port && x.reason == cut.reason);
            if !seen {
                c.cut_short.push(cut);
            }
        });
    }

    /// What actually answered on a port (`http`, `https`, `rtsp`, `onvif`, `ssh`, …).
    pub fn service(&self, port: u16, service: &str) {
        self.with(|c| {
            c.services.insert(port, service.to_string());
        });
    }

    /// Marks ONVIF as answered; returns whether it already was (one device service is enough).
    pub fn mark_onvif(&self) -> bool {
        self.with(|c| std::mem::replace(&mut c.onvif_found, true))
    }

    pub fn onvif_found(&self) -> bool {
        self.with(|c| c.onvif_found)
    }

    /// Moves everything into the host observation.
    pub fn apply(self, host: &mut HostObservation) {
        let collected = self
            .inner
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        for ev in collected.evidence {
            host.push_evidence(ev);
        }
        host.notes.extend(collected.notes);
        for cut in collected.cut_short {
            host.cut(cut);
        }
        for port in &mut host.open_ports {
            if let Some(service) = collected.services.get(&port.port) {
                port.service.clone_from(service);
            }
        }
    }
}
