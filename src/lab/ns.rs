//! Network namespaces without root: a user namespace for the whole process, then one network
//! namespace per lab host, each held open by a file handle.
//!
//! Linux ties a network namespace to a *thread*. A namespace is made on a short-lived thread
//! (`unshare(CLONE_NEWNET)`), its handle is `/proc/thread-self/ns/net` opened as a file, and work
//! that must happen inside it (binding sockets, opening netlink) runs on a fresh thread that first
//! joins it with `setns`. Sockets stay in the namespace they were created in, so once made they can
//! be served from any thread, for instance from the scanner's tokio runtime.

use std::fs::{File, OpenOptions};
use std::io::Write;

use nix::errno::Errno;
use nix::sched::{CloneFlags, setns, unshare};
use nix::unistd::{getegid, geteuid, getuid};

use super::LabError;

/// Moves the calling process into a fresh user + network namespace, so that it may build the lab
/// without root and so that nothing it sends can reach the real network.
///
/// Call it first thing in `main`, while the process still has one thread: the kernel refuses a new
/// user namespace to a multi-threaded process.
///
/// # Errors
/// [`LabError::UserNamespacesDisabled`] when the kernel forbids unprivileged user namespaces (the
/// message says which setting to change), [`LabError::Namespace`] for any other failure.
pub fn enter_lab_namespaces() -> Result<(), LabError> {
    let threads = std::fs::read_dir("/proc/self/task").map_or(1, Iterator::count);
    if threads > 1 {
        return Err(LabError::NotSingleThreaded { threads });
    }
    let uid = geteuid();
    let gid = getegid();
    match unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNET) {
        Ok(()) => write_id_maps(uid.as_raw(), gid.as_raw())?,
        Err(errno @ (Errno::EPERM | Errno::EINVAL | Errno::ENOSPC | Errno::EACCES)) => {
            if !getuid().is_root() {
                return Err(LabError::UserNamespacesDisabled { errno });
            }
            // Real root may be in a container that forbids user namespaces but still allows a
            // network namespace; that is all the lab needs.
            unshare(CloneFlags::CLONE_NEWNET).map_err(|source| LabError::Namespace {
                step: "unshare(CLONE_NEWNET) as root",
                source: source.into(),
            })?;
        }
        Err(source) => {
            return Err(LabError::Namespace {
                step: "unshare(CLONE_NEWUSER | CLONE_NEWNET)",
                source: source.into(),
            });
        }
    }
    loopback_up()
}

/// Maps the caller's old uid/gid to root inside the new user namespace (the only mapping an
/// unprivileged process may write), which grants it every capability over namespaces it owns.
fn write_id_maps(uid: u32, gid: u32) -> Result<(), LabError> {
    let write = |path: &'static str, text: String| {
        OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|source| LabError::Namespace { step: path, source })
    };
    // `setgroups` must be denied before an unprivileged process may write gid_map.
    write("/proc/self/setgroups", "deny".to_owned())?;
    write("/proc/self/uid_map", format!("0 {uid} 1"))?;
    write("/proc/self/gid_map", format!("0 {gid} 1"))
}

/// Brings `lo` up in the new namespace. The namespaces exist by now, so a small single-threaded
/// runtime for the netlink request is fine.
fn loopback_up() -> Result<(), LabError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|source| LabError::Namespace {
            step: "runtime for bringing lo up",
            source,
        })?;
    runtime.block_on(async {
        let netlink = super::topology::Netlink::open("lab root")?;
        netlink.loopback_up().await
    })
}

/// The handle of the namespace the calling thread is in.
///
/// # Errors
/// I/O error opening `/proc/thread-self/ns/net`.
pub fn current_netns() -> std::io::Result<File> {
    File::open("/proc/thread-self/ns/net")
}

/// Creates a new, empty network namespace and runs `init` inside it (on the thread that made it),
/// returning the namespace handle with `init`'s result. `lo` starts down; bring it up via netlink.
///
/// # Errors
/// [`LabError::Namespace`] if the kernel refuses the namespace or the thread cannot be spawned.
pub fn new_netns<T: Send>(
    step: &'static str,
    init: impl FnOnce() -> T + Send,
) -> Result<(File, T), LabError> {
    on_fresh_thread(step, move || {
        unshare(CloneFlags::CLONE_NEWNET).map_err(|e| LabError::Namespace {
            step,
            source: e.into(),
        })?;
        let handle = current_netns().map_err(|source| LabError::Namespace { step, source })?;
        Ok((handle, init()))
    })?
}

/// Runs `f` inside the namespace `ns` on a fresh thread, so the caller's thread never changes
/// namespace. Sockets `f` creates stay in `ns`.
///
/// # Errors
/// [`LabError::Namespace`] if the thread cannot join the namespace.
pub fn in_netns<T: Send>(
    ns: &File,
    step: &'static str,
    f: impl FnOnce() -> T + Send,
) -> Result<T, LabError> {
    on_fresh_thread(step, move || {
        setns(ns, CloneFlags::CLONE_NEWNET).map_err(|e| LabError::Namespace {
            step,
            source: e.into(),
        })?;
        Ok(f())
    })?
}

/// Starts a long-lived thread inside the namespace `ns`, for work that keeps making sockets there
/// (a device opening a new connection for every upload). The thread owns its copy of the handle.
///
/// # Errors
/// [`LabError::Namespace`] if the handle cannot be copied, the thread cannot be spawned or
/// cannot join the namespace.
pub fn spawn_in_netns(
    ns: &File,
    step: &'static str,
    f: impl FnOnce() + Send + 'static,
) -> Result<(), LabError> {
    let ns = ns
        .try_clone()
        .map_err(|source| LabError::Namespace { step, source })?;
    let (joined_tx, joined_rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("lab-netns-run".into())
        .spawn(move || {
            let joined = setns(&ns, CloneFlags::CLONE_NEWNET);
            let ok = joined.is_ok();
            // The receiver waits for this message below, so the send cannot fail.
            let _ = joined_tx.send(joined);
            if ok {
                f();
            }
        })
        .map_err(|source| LabError::Namespace { step, source })?;
    match joined_rx.recv() {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(LabError::Namespace {
            step,
            source: e.into(),
        }),
        Err(_) => Err(LabError::Namespace {
            step,
            source: std::io::Error::other("namespace worker thread ended early"),
        }),
    }
}

fn on_fresh_thread<T: Send>(
    step: &'static str,
    f: impl FnOnce() -> T + Send,
) -> Result<T, LabError> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("lab-netns".into())
            .spawn_scoped(scope, f)
            .map_err(|source| LabError::Namespace { step, source })?;
        worker.join().map_err(|_| LabError::Namespace {
            step,
            source: std::io::Error::other("namespace worker thread panicked"),
        })
    })
}
