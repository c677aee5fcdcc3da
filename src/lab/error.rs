//! Errors of the lab, each naming the step (and persona) that failed. The OS or netlink error
//! behind one is its `source`, not part of its message: shown with its causes (`{:#}` of an
//! anyhow error), it is printed once.

use nix::errno::Errno;

/// Why the lab could not be built or started.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error(
        "the kernel does not allow unprivileged user namespaces ({errno}), which the lab needs to run without root. \
Enable them with one of: `sysctl -w kernel.unprivileged_userns_clone=1` (Debian, older kernels); \
`sysctl -w user.max_user_namespaces=15000` (if it is 0); \
`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` (Ubuntu 23.10 and later). Or run as root."
    )]
    UserNamespacesDisabled { errno: Errno },

    #[error(
        "enter_lab_namespaces() must run before any thread is started (the process has {threads}): call it first thing in main"
    )]
    NotSingleThreaded { threads: usize },

    #[error("namespace step `{step}` failed")]
    Namespace {
        step: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "refusing to build the lab in a namespace that already has interfaces ({interfaces}): call lab::enter_lab_namespaces() first"
    )]
    NotIsolated { interfaces: String },

    #[error("netlink in {who}: {step}")]
    Netlink {
        who: String,
        step: &'static str,
        #[source]
        source: rtnetlink::Error,
    },

    #[error("persona {persona}: cannot listen on {kind} port {port}")]
    Listen {
        persona: String,
        kind: &'static str,
        port: u16,
        #[source]
        source: std::io::Error,
    },

    #[error("persona {persona}: certificate for port {port}: {reason}")]
    Certificate {
        persona: String,
        port: u16,
        reason: String,
    },

    #[error("persona data{}: {reason}", .persona.as_ref().map(|p| format!(" (persona {p})")).unwrap_or_default())]
    Spec {
        persona: Option<String>,
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the demo prints when a persona's port is taken: each cause once.
    #[test]
    fn the_cause_is_printed_once() {
        let err = LabError::Listen {
            persona: "hik-bullet".into(),
            kind: "tcp",
            port: 80,
            source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
        };
        let shown = format!(
            "{:#}",
            anyhow::Error::new(err).context("starting the simulated store")
        );
        assert_eq!(
            shown,
            "starting the simulated store: persona hik-bullet: cannot listen on tcp port 80: address in use"
        );
    }
}
