//! Scoring: run every corpus device through the scanner's own identification and count what it
//! got right, for the whole corpus and for the part from evaluation-only sources.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::corpus::{EvalDevice, ExpectedClass};
use crate::fingerprint::{SignatureDb, identify};
use crate::model::{DeviceType, FaceRecognition, Identity};

/// What identification said about one corpus device, against what it should have said.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub device: EvalDevice,
    pub identity: Identity,
    /// Surveillance device typed as surveillance (any surveillance type).
    pub recognised: bool,
    /// `None` when the corpus states no vendor.
    pub vendor_right: Option<bool>,
    pub type_right: Option<bool>,
    pub face_right: Option<bool>,
    /// A non-surveillance device typed as surveillance.
    pub decoy_called_surveillance: bool,
}

impl Outcome {
    /// True when anything expected was missed.
    pub fn is_miss(&self) -> bool {
        match self.device.class {
            ExpectedClass::Surveillance => {
                !self.recognised
                    || self.vendor_right == Some(false)
                    || self.type_right == Some(false)
                    || self.face_right == Some(false)
            }
            ExpectedClass::Other => self.decoy_called_surveillance,
        }
    }
}

/// Counts for one part of the corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub surveillance: usize,
    pub recognised: usize,
    pub vendor_expected: usize,
    pub vendor_right: usize,
    pub type_expected: usize,
    pub type_right: usize,
    pub face_expected: usize,
    pub face_right: usize,
    pub decoys: usize,
    pub decoys_called_surveillance: usize,
    /// Recognised surveillance devices whose type is only likely (the MAC maker alone said so).
    pub recognised_likely_only: usize,
}

/// Percentage, or 100 when nothing was expected (so an empty part never fails a threshold
/// by itself; the counts say how many there were).
#[allow(clippy::cast_precision_loss)] // a percentage of corpus counts, far below 2^52
pub fn percent(hit: usize, of: usize) -> f64 {
    if of == 0 {
        100.0
    } else {
        100.0 * hit as f64 / of as f64
    }
}

impl Tally {
    fn add(&mut self, o: &Outcome) {
        match o.device.class {
            ExpectedClass::Surveillance => {
                self.surveillance += 1;
                self.recognised += usize::from(o.recognised);
                self.recognised_likely_only +=
                    usize::from(o.recognised && o.identity.type_basis.is_some());
                if let Some(r) = o.vendor_right {
                    self.vendor_expected += 1;
                    self.vendor_right += usize::from(r);
                }
                if let Some(r) = o.type_right {
                    self.type_expected += 1;
                    self.type_right += usize::from(r);
                }
                if let Some(r) = o.face_right {
                    self.face_expected += 1;
                    self.face_right += usize::from(r);
                }
            }
            ExpectedClass::Other => {
                self.decoys += 1;
                self.decoys_called_surveillance += usize::from(o.decoy_called_surveillance);
            }
        }
    }

    pub fn recognised_pct(&self) -> f64 {
        percent(self.recognised, self.surveillance)
    }

    pub fn vendor_pct(&self) -> f64 {
        percent(self.vendor_right, self.vendor_expected)
    }
}

/// The whole evaluation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scores {
    /// Both parts together (comparable with the figures of earlier rounds), devices known by
    /// their MAC alone left out (they are `mac_only`).
    pub whole: Tally,
    /// The evaluation corpus: devices from sources no signature was written from, that sent
    /// something (a port answered, a string). The accuracy figure.
    pub eval_only: Tally,
    /// The regression set: strings signatures were written from. A hit there proves only that
    /// the signature still exists; it is reported to catch regressions, never as accuracy.
    pub regression: Tally,
    /// Devices known by their MAC address alone (no port, no string; [`EvalDevice::mac_only`]),
    /// from either part: what an IEEE prefix alone gives, scored apart because no string
    /// identification could read was sent.
    pub mac_only: Tally,
    /// The evaluation corpus with its MAC-only devices: the figure a shop full of silent
    /// devices would see, printed beside the accuracy figure so nothing is hidden.
    pub eval_with_mac_only: Tally,
    pub outcomes: Vec<Outcome>,
}

/// Vendor names compare without case, spaces or punctuation ("Hanwha Vision" = "HANWHA-VISION").
fn vendor_key(v: &str) -> String {
    v.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Scores one device against an identity (pure; `evaluate` feeds it the engine's answer).
pub fn score(device: &EvalDevice, identity: Identity) -> Outcome {
    let surveillance = identity.device_type.is_surveillance();
    let (recognised, decoy) = match device.class {
        ExpectedClass::Surveillance => (surveillance, false),
        ExpectedClass::Other => (false, surveillance),
    };
    let vendor_right = (!device.vendors.is_empty()).then(|| {
        identity.vendor.as_deref().is_some_and(|got| {
            device
                .vendors
                .iter()
                .any(|want| vendor_key(want) == vendor_key(got))
        })
    });
    let type_right: Option<bool> = device.device_type.map(|t| identity.device_type == t);
    let face_right = device
        .face
        .map(|f: FaceRecognition| identity.face_recognition == f);
    Outcome {
        device: device.clone(),
        identity,
        recognised,
        vendor_right,
        type_right,
        face_right,
        decoy_called_surveillance: decoy,
    }
}

/// Runs every device through [`identify`], the scanner's own identification, and scores it;
/// `services` is the run's port knowledge (port → service), as the sweep would file open ports.
pub fn evaluate(
    db: &SignatureDb,
    services: &BTreeMap<u16, String>,
    devices: &[EvalDevice],
) -> Scores {
    let mut scores = Scores::default();
    for d in devices {
        let outcome = score(d, identify(db, &d.observation(services)).identity);
        if !d.used_for_signatures {
            scores.eval_with_mac_only.add(&outcome);
        }
        if d.mac_only() {
            scores.mac_only.add(&outcome);
        } else {
            scores.whole.add(&outcome);
            if d.used_for_signatures {
                scores.regression.add(&outcome);
            } else {
                scores.eval_only.add(&outcome);
            }
        }
        scores.outcomes.push(outcome);
    }
    scores
}

fn tally_lines(out: &mut String, title: &str, t: &Tally) {
    let _ = writeln!(out, "{title}");
    let _ = writeln!(
        out,
        "  surveillance recognised  {:>6.1} %  ({}/{})",
        t.recognised_pct(),
        t.recognised,
        t.surveillance
    );
    if t.recognised_likely_only > 0 {
        let _ = writeln!(
            out,
            "    of which only likely (from the MAC maker only): {}",
            t.recognised_likely_only
        );
    }
    let _ = writeln!(
        out,
        "  vendor right             {:>6.1} %  ({}/{})",
        t.vendor_pct(),
        t.vendor_right,
        t.vendor_expected
    );
    let _ = writeln!(
        out,
        "  type right               {:>6.1} %  ({}/{})",
        percent(t.type_right, t.type_expected),
        t.type_right,
        t.type_expected
    );
    let _ = writeln!(
        out,
        "  face right               {:>6.1} %  ({}/{})",
        percent(t.face_right, t.face_expected),
        t.face_right,
        t.face_expected
    );
    let _ = writeln!(
        out,
        "  non-surveillance called surveillance: {} of {}",
        t.decoys_called_surveillance, t.decoys
    );
}

fn describe(identity: &Identity) -> String {
    let likely = identity
        .type_basis
        .map_or(String::new(), |b| format!(" ({})", b.label("en")));
    format!(
        "{} / {}{likely} / face {}",
        identity.vendor.as_deref().unwrap_or("-"),
        identity.device_type.as_str(),
        identity.face_recognition.as_str()
    )
}

fn expected(d: &EvalDevice) -> String {
    match d.class {
        ExpectedClass::Other => "not surveillance".into(),
        ExpectedClass::Surveillance => format!(
            "{} / {} / face {}",
            d.vendors.first().map_or("-", String::as_str),
            d.device_type.map_or("surveillance", DeviceType::as_str),
            d.face.map_or("-", FaceRecognition::as_str)
        ),
    }
}

/// The printed report: both tallies, then every miss with what was expected and what came out.
pub fn render(scores: &Scores) -> String {
    let mut out = String::new();
    let devices = scores.outcomes.len();
    let eval_only = scores
        .outcomes
        .iter()
        .filter(|o| !o.device.used_for_signatures)
        .count();
    let mac_only = scores
        .outcomes
        .iter()
        .filter(|o| o.device.mac_only())
        .count();
    let _ = writeln!(
        out,
        "{devices} devices: {eval_only} in the evaluation corpus (evaluation-only sources), {} in the regression set; {mac_only} of them known by their MAC alone (scored apart)\n",
        devices - eval_only
    );
    tally_lines(
        &mut out,
        "evaluation corpus: evaluation-only sources (never used to write signatures), devices that sent something, the accuracy figure:",
        &scores.eval_only,
    );
    tally_lines(
        &mut out,
        "\nregression set: strings signatures were written from (catches regressions; not a measure of accuracy):",
        &scores.regression,
    );
    tally_lines(
        &mut out,
        "\nboth together (whole corpus, devices that sent something):",
        &scores.whole,
    );
    tally_lines(
        &mut out,
        "\nknown by their MAC alone (no port answered, no string sent; what an IEEE prefix gives):",
        &scores.mac_only,
    );
    tally_lines(
        &mut out,
        "\nevaluation corpus with its MAC-only devices (as the rounds before session 10 counted it):",
        &scores.eval_with_mac_only,
    );
    let misses: Vec<&Outcome> = scores.outcomes.iter().filter(|o| o.is_miss()).collect();
    let _ = writeln!(out, "\nmisses ({}):", misses.len());
    for o in misses {
        let part = if o.device.used_for_signatures {
            "sig"
        } else {
            "eval"
        };
        let _ = writeln!(
            out,
            "  [{part}] {} ({}): expected {}, got {}",
            o.device.name,
            o.device.file,
            expected(&o.device),
            describe(&o.identity)
        );
    }
    out
}
