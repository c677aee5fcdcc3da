//! Command-line arguments (clap derive). Parsing only: turning them into a plan is `cli::plan`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// camsweep finds the cameras and face-recognition devices on a shop's network, identifies them,
/// and writes a report (JSON, HTML, Markdown, CSV) with the evidence for each.
///
/// Scan only networks whose owner authorised it. Probes are read-only: no credentials are tried,
/// no video is fetched, no setting is changed.
#[derive(Debug, Parser)]
#[command(
    name = "camsweep",
    version,
    long_about = None,
    propagate_version = true,
    after_help = super::examples::CAMSWEEP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More log output (-v info, -vv debug, -vvv trace); logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// No progress bars and no summary table.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Largest input file read whole (report.json, site.toml, keys, signatures, rule and
    /// credentials files): bytes, or with a K, M or G suffix.
    #[arg(long, global = true, default_value = "64M", value_parser = parse_size, value_name = "SIZE")]
    pub max_input_size: u64,
    /// Read FIFOs and devices given as inputs (refused by default: they can block or never end).
    #[arg(long, global = true)]
    pub allow_special_files: bool,
}

/// Upper bound of every duration option (a week): longer ones are typos, and would overflow.
const MAX_DURATION_SECS: u64 = 7 * 24 * 3600;

/// A `--listen` duration (20s, 10m, 1h), checked at parse time: more than 0, at most a week.
/// `IF1,IF2`: two different interface names.
fn bridge_ports(text: &str) -> Result<[String; 2], String> {
    let names: Vec<&str> = text.split(',').map(str::trim).collect();
    match names.as_slice() {
        [a, b] if !a.is_empty() && !b.is_empty() && a != b => {
            Ok([(*a).to_owned(), (*b).to_owned()])
        }
        _ => Err(format!(
            "`{text}` is not two different interfaces, comma-separated (IF1,IF2)"
        )),
    }
}

fn listen_duration(text: &str) -> Result<String, String> {
    let digits: String = text
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if digits.len() > 9 {
        return Err(format!("`{text}` is longer than a week"));
    }
    let duration = crate::capture::parse_duration(text)?;
    if duration.as_secs() > MAX_DURATION_SECS {
        return Err(format!("`{text}` is longer than a week (7d = 168h)"));
    }
    Ok(text.to_string())
}

/// A positive, finite ratio of at most a million.
fn ratio(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if !value.is_finite() || value <= 0.0 || value > 1_000_000.0 {
        return Err(format!("`{text}` must be more than 0 and at most 1000000"));
    }
    Ok(value)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Discover, probe and fingerprint the targets, then write the report files.
    #[command(after_help = super::examples::AUDIT)]
    Audit(AuditArgs),
    /// Like audit, but writes no files: prints the device table (or the report JSON with --json).
    #[command(after_help = super::examples::SCAN)]
    Scan(ScanArgs),
    /// Re-render an existing report.json into HTML, Markdown and CSV.
    #[command(after_help = super::examples::REPORT)]
    Report(ReportArgs),
    /// Analyse pcap/pcapng captures: which device sends what to which cloud (no packet is sent).
    #[command(after_help = super::examples::ANALYZE)]
    Analyze(AnalyzeArgs),
    /// Build the simulated store (no root, no real network), audit it and write the report.
    #[command(after_help = super::examples::DEMO)]
    Demo(DemoArgs),
    /// List or check the signature database.
    #[command(subcommand)]
    Signatures(SignaturesCommand),
    /// Site declarations (site.toml): write a template from a report.
    #[command(subcommand)]
    Site(SiteCommand),
    /// List or check the legal rule packs (signatures/rules/*.toml).
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Generate an ed25519 key pair for signing reports (PREFIX.key, PREFIX.pub).
    Keygen(KeygenArgs),
    /// Sign a report folder's SHA256SUMS (or a bare report.json): writes SHA256SUMS.sig.
    Sign(SignArgs),
    /// Check a report's signature and re-hash every file SHA256SUMS lists (exit 0 intact, 2 not).
    Verify(VerifyArgs),
    /// Roll many shops' report.json files into one chain summary (fleet.json, fleet.csv, fleet.html).
    Fleet(FleetArgs),
    /// Build a benchmark lab and run a command inside its network (for scripts/bench-*.sh).
    #[command(hide = true)]
    Lab(LabArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to stdout, or write one page per command into a folder.
    Man(ManArgs),
}

/// `camsweep completions SHELL`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `camsweep man [--out DIR]`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write camsweep.1 and one page per subcommand (camsweep-audit.1 …) into this folder
    /// instead of printing camsweep.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `camsweep lab`: the benchmark labs of src/lab/bench.toml.
#[derive(Debug, Args)]
pub struct LabArgs {
    /// Which lab: `store` (a /24, every address live), `campus` (a /16, 300 live) or `cameras:N`.
    #[arg(long, default_value = "store", value_name = "LAB")]
    pub hosts: String,
    /// Print the lab's hosts as JSON lines (address, name, vendor, expected type) without building it.
    #[arg(long)]
    pub list: bool,
    /// The command to run inside the lab's network (after `--`); it sees the lab and nothing else.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Which legal rules to apply, and what the site declared.
#[derive(Debug, Args, Clone)]
pub struct PolicyOptions {
    /// Site declaration (site.toml: notices, consent, declared devices …). Without one, findings that
    /// depend on what the operator may have declared are reported as conditional.
    #[arg(long, value_name = "FILE")]
    pub site: Option<PathBuf>,
    /// Rule packs to apply; repeatable.
    #[arg(long = "jurisdiction", value_enum, default_values_t = [JurisdictionArg::Cn])]
    pub jurisdictions: Vec<JurisdictionArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JurisdictionArg {
    /// PRC: PIPL, Face Recognition Measures, CRPL, public-security video regulation.
    Cn,
    /// EU: GDPR, EDPB guidelines, AI Act.
    Eu,
    /// Illinois: Biometric Information Privacy Act.
    UsIl,
}

impl JurisdictionArg {
    pub fn code(self) -> &'static str {
        match self {
            JurisdictionArg::Cn => "cn",
            JurisdictionArg::Eu => "eu",
            JurisdictionArg::UsIl => "us-il",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Write a commented site.toml (zh and en) listing the devices a report found, to be completed.
    Init {
        /// The report.json whose devices to list.
        #[arg(long, value_name = "REPORT")]
        from: PathBuf,
        /// Language of the first comment line of each pair.
        #[arg(long, value_enum, default_value_t = LangArg::Zh)]
        lang: LangArg,
        /// Where to write it (refuses to overwrite).
        #[arg(short, long, value_name = "FILE", default_value = "site.toml")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules (id, jurisdiction, severity, citation).
    List {
        /// Only these jurisdictions (default: all).
        #[arg(long = "jurisdiction", value_enum)]
        jurisdictions: Vec<JurisdictionArg>,
        /// Signature directory whose rules/ to list (default: the built-in rules).
        #[arg(long, value_name = "DIR")]
        signatures: Option<PathBuf>,
    },
    /// Validate rule files: syntax, fields, values and triggers, each problem with file:line:column.
    Check {
        /// A rule file, a rules/ folder, or a signature directory containing rules/ (default: built-in).
        path: Option<PathBuf>,
    },
}

/// What to scan and how hard.
#[derive(Debug, Args, Clone)]
pub struct ScanOptions {
    /// Targets: CIDR (198.18.0.0/24), range (198.18.0.10-40) or address; repeatable or comma-separated.
    #[arg(short, long = "targets", value_name = "CIDR|RANGE|LIST")]
    pub targets: Vec<String>,
    /// Read targets from FILE, like nmap's -iL: one per line (CIDR, range or address), `#` comments.
    #[arg(long, value_name = "FILE")]
    pub targets_file: Option<PathBuf>,
    /// Network interface to scan from; without --targets, its IPv4 subnets are the targets.
    #[arg(short, long, value_name = "IFACE")]
    pub interface: Option<String>,
    /// Signature directory to use instead of the built-in set (devices/*.toml, oui/, ports.toml).
    #[arg(long, value_name = "DIR")]
    pub signatures: Option<PathBuf>,
    /// TCP ports to sweep instead of the camera-aware default set (comma-separated).
    #[arg(short, long, value_delimiter = ',', value_name = "PORTS", value_parser = clap::value_parser!(u16).range(1..))]
    pub ports: Vec<u16>,
    /// New TCP connections per second, all hosts together (default: unlimited within the concurrency bounds).
    #[arg(long, value_name = "PER_SECOND", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub rate: Option<u32>,
    /// Concurrent TCP connections, all hosts together.
    #[arg(long, default_value_t = 768, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=65_536))]
    pub concurrency: usize,
    /// Concurrent TCP connections to one host (cheap cameras have fragile TCP stacks).
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub per_host: usize,
    /// Connect and per-request timeout in milliseconds.
    #[arg(long, default_value_t = 1500, value_name = "MS", value_parser = clap::value_parser!(u64).range(50..=600_000))]
    pub timeout_ms: u64,
    /// Longest time spent on one host, in seconds.
    #[arg(long, default_value_t = 20, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub host_deadline: u64,
    /// Allow targets outside private, link-local and CGNAT ranges (only with the owner's authorisation).
    #[arg(long)]
    pub allow_public: bool,
    /// Allow more than a /16 worth of addresses.
    #[arg(long)]
    pub allow_large: bool,
}

/// How to present the result.
#[derive(Debug, Args, Clone)]
pub struct OutputOptions {
    /// Report language.
    #[arg(long, value_enum, default_value_t = LangArg::Zh)]
    pub lang: LangArg,
    /// Print report.json to stdout (and nothing else there).
    #[arg(long)]
    pub json: bool,
    /// For public sharing: remove MAC addresses (vendor and OUI prefix kept), serial numbers and
    /// host names from the report and everything rendered from it; the report says so.
    #[arg(long)]
    pub redact: bool,
    /// Replace a report already in the output folder, if it is not signed (a signed one is never
    /// replaced).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("listen_on").args(["interface", "bridge"]).multiple(true))]
pub struct AuditArgs {
    #[command(flatten)]
    pub scan: ScanOptions,
    #[command(flatten)]
    pub output: OutputOptions,
    /// Output folder (default: reports/<timestamp>/).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Who authorised this scan ("name, role"); recorded in the report.
    #[arg(long, value_name = "NAME, ROLE")]
    pub authorised_by: Option<String>,
    #[command(flatten)]
    pub policy: PolicyOptions,
    /// Also capture on --interface for this long (20s, 10m), alongside the scan, and add each
    /// device's cloud contacts (a mirror port sees every device's traffic).
    #[arg(long, value_name = "DURATION", requires = "listen_on", value_parser = listen_duration)]
    pub listen: Option<String>,
    /// Keep the --listen capture as a pcap (off by default: camsweep stores metadata, not content).
    #[arg(long, value_name = "FILE", requires = "listen")]
    pub write_pcap: Option<PathBuf>,
    /// On an ordinary switch, see the in-scope devices' traffic by ARP interception during
    /// --listen: camsweep tells each device (in --targets) that the gateway is at this host and
    /// the gateway that the device is, forwards every frame unchanged, and puts the ARP entries
    /// back at the end. Only with the owner's authorisation (--authorised-by); needs
    /// CAP_NET_RAW and CAP_NET_ADMIN. See docs/interception.md.
    #[arg(long, requires = "listen")]
    pub intercept: bool,
    /// The store LAN's gateway (default: the default route of --interface): --intercept
    /// intercepts between it and the devices, and when it is in --targets its UPnP port-mapping
    /// table is read (read-only) to see which devices opened ports to the internet.
    #[arg(long, value_name = "IP")]
    pub gateway: Option<std::net::Ipv4Addr>,
    /// Inline bridge during --listen: two wired ports of this host put in the cable (between the
    /// shop's switch and router, or a camera and the switch); every frame is passed from one to
    /// the other unchanged and analysed, and nothing of this host's own is sent (ARP and IPv6
    /// are turned off on both ports and put back at the end). Without --targets or --interface
    /// the audit is passive: the devices are those seen crossing. Needs CAP_NET_RAW and
    /// CAP_NET_ADMIN. See docs/interception.md
    #[arg(long, value_name = "IF1,IF2", value_parser = bridge_ports, requires = "listen", conflicts_with = "intercept")]
    pub bridge: Option<[String; 2]>,
    /// The owner's own logins for self-checks (TOML: [[device]] address, user, password): used only
    /// to answer a device's HTTP Digest challenge to ONVIF GetDeviceInformation; never guessed,
    /// never written to the report or the logs.
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub scan: ScanOptions,
    #[command(flatten)]
    pub output: OutputOptions,
    /// Only find which hosts are up (ARP on --interface's link, TCP connects beyond it) and print
    /// address and MAC, like `nmap -sn`; no ports, no probes.
    #[arg(long)]
    pub hosts_only: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The report.json to render, or a report folder (its report.json).
    pub report: PathBuf,
    /// Output folder (default: a fresh `<report folder>-rendered-<time>/` beside the report's
    /// folder; never the report's own folder, whose files and signature stay as they are).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Formats to write.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Format::Html, Format::Md, Format::Csv])]
    pub format: Vec<Format>,
    /// Re-evaluate the findings with this site declaration (for example after `site init` and
    /// filling it in); writes a new report.json into the output folder.
    #[arg(long, value_name = "FILE")]
    pub site: Option<PathBuf>,
    /// Rule packs for the re-evaluation with --site (default: cn); repeatable.
    #[arg(long = "jurisdiction", value_enum, requires = "site")]
    pub jurisdictions: Vec<JurisdictionArg>,
    #[command(flatten)]
    pub output: OutputOptions,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Capture files (pcap or pcapng; Ethernet, VLAN, Linux SLL/SLL2 or raw IP).
    #[arg(value_name = "FILE", required_unless_present_any = ["interface", "zeek"])]
    pub files: Vec<PathBuf>,
    /// Zeek logs to read instead of (or beside) captures: a folder holding conn.log, dns.log,
    /// ssl.log and http.log (TSV or JSON lines), or those files; repeatable.
    #[arg(long, value_name = "DIR|FILE")]
    pub zeek: Vec<PathBuf>,
    /// Capture live on this interface (promiscuous; a mirror port sees the whole switch).
    #[arg(short, long, value_name = "IFACE", requires = "listen")]
    pub interface: Option<String>,
    /// How long to capture live: 20s, 10m, 1h.
    #[arg(long, value_name = "DURATION", requires = "interface", value_parser = listen_duration)]
    pub listen: Option<String>,
    /// Keep the live capture as a pcap (off by default: camsweep stores metadata, not content).
    #[arg(long, value_name = "FILE", requires = "interface")]
    pub write_pcap: Option<PathBuf>,
    /// report.json of an earlier audit: attribute traffic to its devices (default: every local
    /// host seen in the capture is a device).
    #[arg(long, value_name = "REPORT")]
    pub inventory: Option<PathBuf>,
    /// Output folder (default: reports/<timestamp>-analyze/).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputOptions,
    /// Signature directory to use instead of the built-in set (its cloud/*.toml name the endpoints).
    #[arg(long, value_name = "DIR")]
    pub signatures: Option<PathBuf>,
    /// Site declaration and rule packs (default: the inventory report's declaration, if any).
    #[command(flatten)]
    pub policy: PolicyOptions,
    /// Bytes a device must send to one destination for it to count as content.
    #[arg(long, default_value_t = 65_536, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..=1u64 << 40))]
    pub min_upload_bytes: u64,
    /// Bytes sent within one second that make a snapshot-sized burst.
    #[arg(long, default_value_t = 32_768, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..=1u64 << 40))]
    pub burst_bytes: u64,
    /// How many times more a device must send than receive for an upload.
    #[arg(long, default_value_t = 1.5, value_name = "RATIO", value_parser = ratio)]
    pub min_up_down_ratio: f64,
    /// An address of the scanning machine: traffic to and from it is left out (its probes and
    /// their replies are not what the devices send) and the report records it in
    /// scan.scanner_addresses; repeatable. With --inventory, the inventory's scanner addresses
    /// are left out too.
    #[arg(long = "exclude-host", visible_alias = "scanner", value_name = "IP")]
    pub exclude_hosts: Vec<std::net::IpAddr>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output folder (default: reports/<timestamp>-demo/).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputOptions,
    /// Signature directory to use instead of the built-in set.
    #[arg(long, value_name = "DIR")]
    pub signatures: Option<PathBuf>,
    /// Site declaration and rule packs; without --site the demo uses the simulated store's own
    /// declaration (signatures/sites/demo-store.toml).
    #[command(flatten)]
    pub policy: PolicyOptions,
    /// The simulated store's switch: `mirror` (floods every frame to the scanner, like a mirror
    /// port) or `learning` (an ordinary unmanaged switch: the scanner sees only its own traffic).
    #[arg(long, value_enum, default_value_t = SwitchArg::Mirror)]
    pub switch: SwitchArg,
    /// Intercept the simulated devices by ARP while listening (shows what --intercept sees on
    /// a learning switch).
    #[arg(long)]
    pub intercept: bool,
    /// Which public case to simulate: `shop` (chain store, faces uploaded to clouds),
    /// `sales-office` (entrance face camera keeping faces on a local server), `school` (canteen
    /// face-payment terminals used by pupils) or `parking` (mall car park: plate-recognition
    /// cameras and a pay station).
    #[arg(long, value_enum, default_value_t = ScenarioArg::Shop)]
    pub scenario: ScenarioArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScenarioArg {
    Shop,
    SalesOffice,
    School,
    Parking,
}

impl ScenarioArg {
    pub fn scenario(self) -> crate::lab::Scenario {
        match self {
            ScenarioArg::Shop => crate::lab::Scenario::Shop,
            ScenarioArg::SalesOffice => crate::lab::Scenario::SalesOffice,
            ScenarioArg::School => crate::lab::Scenario::School,
            ScenarioArg::Parking => crate::lab::Scenario::Parking,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SwitchArg {
    Mirror,
    Learning,
}

#[derive(Debug, Subcommand)]
pub enum SignaturesCommand {
    /// List the signatures (id, vendor, type, face recognition, source).
    List {
        /// Signature directory (default: the built-in set).
        #[arg(long, value_name = "DIR")]
        signatures: Option<PathBuf>,
    },
    /// Validate a signature directory: syntax, regexes, and every signature's examples.
    Check {
        /// The directory to check (default: the built-in set).
        dir: Option<PathBuf>,
    },
    /// Measure identification on an evaluation corpus of real devices' strings
    /// (tests/fixtures/eval): recognised, vendor, type, face, decoys called surveillance.
    Eval {
        /// Corpus folder (*.toml, see tests/fixtures/eval/README.md).
        dir: PathBuf,
        /// Regression set folder (tests/fixtures/regression): strings signatures were written
        /// from, reported separately and never as accuracy.
        #[arg(long, value_name = "DIR")]
        regression: Option<PathBuf>,
        /// Signature directory (default: the built-in set).
        #[arg(long, value_name = "DIR")]
        signatures: Option<PathBuf>,
        /// Fail unless at least this % of surveillance devices are recognised, in the whole
        /// corpus and in its evaluation-only part.
        #[arg(long, value_name = "PCT")]
        min_recognised: Option<f64>,
        /// Fail unless at least this % of vendors are right, in both parts.
        #[arg(long, value_name = "PCT")]
        min_vendor: Option<f64>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Html,
    Md,
    Csv,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Writes PREFIX.key (secret, mode 0600) and PREFIX.pub; never overwrites.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// A report folder (its SHA256SUMS is signed) or a single report.json.
    #[arg(value_name = "REPORT_DIR|report.json")]
    pub target: PathBuf,
    /// The secret key file from `camsweep keygen`.
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Replace an existing signature (without it, a signed report is never signed over).
    #[arg(long)]
    pub replace: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A signed report folder or a signed report.json.
    #[arg(value_name = "REPORT_DIR|report.json")]
    pub target: PathBuf,
    /// The signer's public key file.
    #[arg(long, value_name = "PUB")]
    pub pubkey: PathBuf,
}

#[derive(Debug, Args)]
pub struct FleetArgs {
    /// Shops' report.json files, folders (searched recursively for report.json), or `-` to read a
    /// list of paths from stdin, one per line.
    #[arg(value_name = "REPORT|DIR|-", required = true)]
    pub reports: Vec<PathBuf>,
    /// Output folder (default: reports/<UTC time>-fleet). Must not hold a report or an earlier roll-up.
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip reports that cannot be read or are not valid (listed at the end and in fleet.json)
    /// instead of stopping at the first.
    #[arg(long)]
    pub skip_bad: bool,
    /// Split the Parquet tables into hive partitions by scan date or shop province.
    #[arg(long, value_enum, default_value_t = FleetPartition::None)]
    pub partition: FleetPartition,
    /// Also write the evidence table (every probe answer: large).
    #[arg(long)]
    pub evidence: bool,
    /// Refuse report.json files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1..=(1u64 << 32)))]
    pub max_report_bytes: u64,
    #[command(flatten)]
    pub output: OutputOptions,
}

/// `fleet --partition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FleetPartition {
    None,
    Date,
    Province,
}

/// Parses a size: plain bytes or with a K, M or G suffix (binary multiples).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, multiplier) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        None => (text, 1u64),
        Some((at, _)) => {
            let unit = text[at..].trim_end_matches(['b', 'B', 'i']);
            let multiplier = match unit {
                "K" | "k" => 1 << 10,
                "M" | "m" => 1 << 20,
                "G" | "g" => 1 << 30,
                _ => return Err(format!("`{text}`: use bytes or a K, M or G suffix (64M)")),
            };
            (&text[..at], multiplier)
        }
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size (bytes, or 64M)"))?;
    let bytes = n
        .checked_mul(multiplier)
        .ok_or_else(|| format!("`{text}` is too large"))?;
    if !(1024..=(1u64 << 40)).contains(&bytes) {
        return Err(format!("`{text}`: must be between 1K and 1024G"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_suffixes_and_bounds() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("2048"), Ok(2048));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
        assert!(parse_size("5T").is_err());
    }
}
