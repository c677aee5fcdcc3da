//! Zeek logs (pure): `conn.log`, `dns.log`, `ssl.log` and `http.log`, in Zeek's tab-separated
//! form (LogAscii: `#separator`, `#fields`, `#types`, `#unset_field`, `#empty_field` header
//! lines) or as JSON lines (`LogAscii::use_json`), parsed one line at a time into the records
//! the traffic model needs: connections with bytes and packets each way, the name each
//! connection asked for (ssl.log `server_name`, http.log `host`), and the DNS answers each host
//! received, with their times.
//!
//! A bad line is an error naming the file and line; nothing here reads a file (the CLI hands in
//! lines).

use std::collections::HashMap;
use std::net::IpAddr;

use super::decode::Proto;

/// Longest line accepted (a Zeek line is a few hundred bytes; a long http.log URI a few kB).
pub const MAX_LINE: usize = 64 * 1024;
/// Addresses and names kept from one DNS answer.
const MAX_ANSWERS: usize = 64;
/// Names of a CNAME chain kept (as [`super::dns`] does).
const MAX_CHAIN: usize = 8;
/// Latest time accepted (µs since the epoch: the year 2286); earlier than the epoch is refused.
const MAX_TIME_US: i64 = 10_000_000_000_000_000;
/// Longest connection accepted (ten years, in µs).
const MAX_DURATION_US: i64 = 10 * 366 * 86_400 * 1_000_000;
/// Largest byte or packet count accepted (a petabyte).
const MAX_COUNT: u64 = 1 << 50;

/// Which log a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogKind {
    Conn,
    Dns,
    Ssl,
    Http,
}

impl LogKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LogKind::Conn => "conn",
            LogKind::Dns => "dns",
            LogKind::Ssl => "ssl",
            LogKind::Http => "http",
        }
    }

    /// The kind a Zeek `#path` (or a file name's first word: `conn.log`,
    /// `conn.2024-05-01-10-00-00.log.json`, `dns.json`) names; other logs are not read.
    pub fn from_path(path: &str) -> Option<Self> {
        match path.split('.').next()? {
            "conn" => Some(LogKind::Conn),
            "dns" => Some(LogKind::Dns),
            "ssl" => Some(LogKind::Ssl),
            "http" => Some(LogKind::Http),
            _ => None,
        }
    }
}

/// A line that cannot be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {reason}")]
pub struct ZeekError {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

/// One conn.log entry: a connection as Zeek saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnRecord {
    /// When the first packet was seen (µs since the epoch).
    pub ts_us: i64,
    pub uid: String,
    /// The side that opened the connection (Zeek's originator) and the one that answered.
    pub orig: (IpAddr, u16),
    pub resp: (IpAddr, u16),
    pub proto: Proto,
    pub duration_us: i64,
    /// IP-level bytes each way (`orig_ip_bytes`, `resp_ip_bytes`: headers included, link
    /// headers not), or the payload bytes (`orig_bytes`) when Zeek did not count those.
    pub bytes: [u64; 2],
    /// Whether [`ConnRecord::bytes`] are IP-level bytes (else payload only).
    pub ip_level: bool,
    pub packets: [u64; 2],
    /// Link addresses (`orig_l2_addr`, `resp_l2_addr`, logged with Zeek's mac-logging policy).
    pub l2: [Option<[u8; 6]>; 2],
}

impl ConnRecord {
    /// The connection as the analyser takes it, named by ssl.log or http.log (`name`).
    pub fn logged(
        &self,
        name: Option<(super::flows::NameSource, String)>,
    ) -> super::analyze::LoggedConnection {
        super::analyze::LoggedConnection {
            first_us: self.ts_us,
            duration_us: self.duration_us,
            orig: self.orig,
            resp: self.resp,
            proto: self.proto,
            bytes: self.bytes,
            packets: self.packets,
            name,
            l2: self.l2,
        }
    }
}

/// One dns.log answer: `asker` received `answers` (addresses and CNAME targets, in order) for
/// `query` at `ts_us`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord {
    pub ts_us: i64,
    pub asker: IpAddr,
    /// The server that answered.
    pub server: IpAddr,
    pub query: String,
    pub answers: Vec<String>,
}

impl DnsRecord {
    /// Each address answered, with the names that lead to it: the name asked, then the
    /// CNAME targets before it (dns.log does not say which name owns which answer: the chain is
    /// taken in the answers' order, as a resolver sends it).
    pub fn bindings(&self) -> Vec<(IpAddr, Vec<String>)> {
        let mut chain = vec![lower(&self.query)];
        let mut out = Vec::new();
        for answer in self.answers.iter().take(MAX_ANSWERS) {
            match answer.parse::<IpAddr>() {
                Ok(addr) => out.push((addr, chain.clone())),
                Err(_) => {
                    let target = lower(answer);
                    if chain.len() < MAX_CHAIN && !target.is_empty() && !chain.contains(&target) {
                        chain.push(target);
                    }
                }
            }
        }
        out
    }
}

/// The name a connection asked for: ssl.log `server_name` or http.log `host`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedConnection {
    pub uid: String,
    pub name: String,
}

/// One useful line of a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Conn(ConnRecord),
    Dns(DnsRecord),
    Sni(NamedConnection),
    HttpHost(NamedConnection),
}

/// Reads one log line by line: the header lines of the TSV form set the fields, a JSON line
/// carries its own.
#[derive(Debug, Clone)]
pub struct LogReader {
    file: String,
    kind: Option<LogKind>,
    separator: String,
    set_separator: String,
    unset: String,
    empty: String,
    fields: HashMap<String, usize>,
}

impl LogReader {
    /// A reader for the log in `file` (named in errors), of `kind` when the file's name says so
    /// (a TSV log's `#path` line says so too).
    pub fn new(file: &str, kind: Option<LogKind>) -> Self {
        Self {
            file: file.to_string(),
            kind,
            separator: "\t".into(),
            set_separator: ",".into(),
            unset: "-".into(),
            empty: "(empty)".into(),
            fields: HashMap::new(),
        }
    }

    /// The kind of log, once known.
    pub fn kind(&self) -> Option<LogKind> {
        self.kind
    }

    fn error(&self, line: usize, reason: impl Into<String>) -> ZeekError {
        ZeekError {
            file: self.file.clone(),
            line,
            reason: reason.into(),
        }
    }

    /// Reads line `number` (1-based); `None` for header lines, blank lines, records of another
    /// log and entries that name nothing (a DNS query without an address answer).
    pub fn line(&mut self, number: usize, text: &str) -> Result<Option<Record>, ZeekError> {
        let text = text.strip_suffix('\r').unwrap_or(text);
        if text.len() > MAX_LINE {
            return Err(self.error(number, format!("line longer than {MAX_LINE} bytes")));
        }
        if text.trim().is_empty() {
            return Ok(None);
        }
        if text.starts_with('#') {
            self.header(number, text)?;
            return Ok(None);
        }
        if text.starts_with('{') {
            let value: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| self.error(number, format!("not a JSON object: {e}")))?;
            let serde_json::Value::Object(map) = value else {
                return Err(self.error(number, "not a JSON object"));
            };
            let kind = match self.kind.or_else(|| kind_of_json(&map)) {
                Some(kind) => kind,
                None => return Err(self.error(number, "not a conn, dns, ssl or http log entry")),
            };
            self.kind = Some(kind);
            let row = Row::Json(&map);
            return self.record(number, kind, &row);
        }
        if self.fields.is_empty() {
            return Err(self.error(
                number,
                "a data line before the #fields header (neither Zeek TSV nor JSON)",
            ));
        }
        let Some(kind) = self.kind else {
            return Err(self.error(number, "no #path header and no log name in the file name"));
        };
        let values: Vec<&str> = text.split(self.separator.as_str()).collect();
        if values.len() != self.fields.len() {
            return Err(self.error(
                number,
                format!(
                    "{} fields where #fields names {}",
                    values.len(),
                    self.fields.len()
                ),
            ));
        }
        let row = Row::Tsv {
            values,
            fields: &self.fields,
            unset: &self.unset,
            empty: &self.empty,
            set_separator: &self.set_separator,
        };
        self.record(number, kind, &row)
    }

    fn header(&mut self, number: usize, text: &str) -> Result<(), ZeekError> {
        // `#separator \x09` is itself separated by a space; the others by the separator.
        if let Some(value) = text.strip_prefix("#separator ") {
            self.separator = unescape(value.trim());
            if self.separator.is_empty() {
                return Err(self.error(number, "empty #separator"));
            }
            return Ok(());
        }
        let mut parts = text.split(self.separator.as_str());
        let key = parts.next().unwrap_or_default();
        let rest: Vec<&str> = parts.collect();
        match key {
            "#set_separator" => {
                self.set_separator = unescape(rest.first().copied().unwrap_or(","));
            }
            "#unset_field" => self.unset = rest.first().copied().unwrap_or("-").to_string(),
            "#empty_field" => self.empty = rest.first().copied().unwrap_or("(empty)").to_string(),
            "#path" => {
                let path = rest.first().copied().unwrap_or_default();
                if let Some(kind) = LogKind::from_path(path) {
                    self.kind = Some(kind);
                } else {
                    return Err(self.error(
                        number,
                        format!("#path {path}: not a conn, dns, ssl or http log"),
                    ));
                }
            }
            "#fields" => {
                self.fields = rest
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (f.to_string(), i))
                    .collect();
            }
            // #open, #close, #types: nothing the records need.
            _ => {}
        }
        Ok(())
    }

    fn record(&self, n: usize, kind: LogKind, row: &Row<'_>) -> Result<Option<Record>, ZeekError> {
        let ts_us = self.ts(n, row)?;
        Ok(Some(match kind {
            LogKind::Conn => {
                let orig = (
                    self.addr(n, row, "id.orig_h")?,
                    self.port(n, row, "id.orig_p")?,
                );
                let resp = (
                    self.addr(n, row, "id.resp_h")?,
                    self.port(n, row, "id.resp_p")?,
                );
                let proto = match self.required(n, row, "proto")?.as_str() {
                    "tcp" => Proto::Tcp,
                    "udp" => Proto::Udp,
                    "icmp" if orig.0.is_ipv4() => Proto::Other(1),
                    "icmp" => Proto::Other(58),
                    other => Proto::Other(match other.parse::<u8>() {
                        Ok(number) => number,
                        Err(_) => return Err(self.error(n, format!("proto: unknown `{other}`"))),
                    }),
                };
                let count = |field: &str| self.count(n, row, field);
                let ip_bytes = [count("orig_ip_bytes")?, count("resp_ip_bytes")?];
                let ip_level = ip_bytes.iter().all(Option::is_some);
                let bytes = if ip_level {
                    ip_bytes.map(Option::unwrap_or_default)
                } else {
                    [
                        count("orig_bytes")?.unwrap_or(0),
                        count("resp_bytes")?.unwrap_or(0),
                    ]
                };
                let duration_us = match row.get("duration") {
                    Some(d) => micros(&d)
                        .filter(|us| (0..=MAX_DURATION_US).contains(us))
                        .ok_or_else(|| {
                            self.error(
                                n,
                                format!(
                                    "duration: `{d}` is not a number of seconds up to ten years"
                                ),
                            )
                        })?,
                    None => 0,
                };
                Record::Conn(ConnRecord {
                    ts_us,
                    uid: row.get("uid").unwrap_or_default(),
                    orig,
                    resp,
                    proto,
                    duration_us,
                    bytes,
                    ip_level,
                    packets: [
                        count("orig_pkts")?.unwrap_or(0),
                        count("resp_pkts")?.unwrap_or(0),
                    ],
                    l2: [
                        row.get("orig_l2_addr").as_deref().and_then(mac),
                        row.get("resp_l2_addr").as_deref().and_then(mac),
                    ],
                })
            }
            LogKind::Dns => {
                let Some(query) = row.get("query").filter(|q| !q.is_empty()) else {
                    return Ok(None);
                };
                let answers = row.list("answers");
                if answers.is_empty() {
                    return Ok(None);
                }
                Record::Dns(DnsRecord {
                    ts_us,
                    asker: self.addr(n, row, "id.orig_h")?,
                    server: self.addr(n, row, "id.resp_h")?,
                    query,
                    answers,
                })
            }
            LogKind::Ssl | LogKind::Http => {
                let field = if kind == LogKind::Ssl {
                    "server_name"
                } else {
                    "host"
                };
                let Some(name) = row.get(field).map(|h| lower(&h)).filter(|h| !h.is_empty()) else {
                    return Ok(None);
                };
                let named = NamedConnection {
                    uid: self.required(n, row, "uid")?,
                    name: if kind == LogKind::Http {
                        host_without_port(&name)
                    } else {
                        name
                    },
                };
                if kind == LogKind::Ssl {
                    Record::Sni(named)
                } else {
                    Record::HttpHost(named)
                }
            }
        }))
    }

    fn required(&self, n: usize, row: &Row<'_>, field: &str) -> Result<String, ZeekError> {
        row.get(field)
            .ok_or_else(|| self.error(n, format!("{field}: missing or unset")))
    }

    fn ts(&self, n: usize, row: &Row<'_>) -> Result<i64, ZeekError> {
        let ts = self.required(n, row, "ts")?;
        micros(&ts)
            .or_else(|| iso8601_micros(&ts))
            .filter(|us| (0..=MAX_TIME_US).contains(us))
            .ok_or_else(|| self.error(n, format!("ts: `{ts}` is not a time since 1970")))
    }

    fn addr(&self, n: usize, row: &Row<'_>, field: &str) -> Result<IpAddr, ZeekError> {
        let text = self.required(n, row, field)?;
        text.parse()
            .map_err(|_| self.error(n, format!("{field}: `{text}` is not an address")))
    }

    fn port(&self, n: usize, row: &Row<'_>, field: &str) -> Result<u16, ZeekError> {
        let text = self.required(n, row, field)?;
        text.parse()
            .map_err(|_| self.error(n, format!("{field}: `{text}` is not a port")))
    }

    fn count(&self, n: usize, row: &Row<'_>, field: &str) -> Result<Option<u64>, ZeekError> {
        match row.get(field) {
            None => Ok(None),
            Some(text) => text
                .parse()
                .ok()
                .filter(|c| *c <= MAX_COUNT)
                .map(Some)
                .ok_or_else(|| self.error(n, format!("{field}: `{text}` is not a count"))),
        }
    }
}

/// One entry's fields, whichever form it came in.
enum Row<'a> {
    Tsv {
        values: Vec<&'a str>,
        fields: &'a HashMap<String, usize>,
        unset: &'a str,
        empty: &'a str,
        set_separator: &'a str,
    },
    Json(&'a serde_json::Map<String, serde_json::Value>),
}

impl Row<'_> {
    /// A field's value as text; `None` when absent or unset.
    fn get(&self, field: &str) -> Option<String> {
        match self {
            Row::Tsv {
                values,
                fields,
                unset,
                empty,
                ..
            } => {
                let value = *values.get(*fields.get(field)?)?;
                if value == *unset {
                    None
                } else if value == *empty {
                    Some(String::new())
                } else {
                    Some(unescape(value))
                }
            }
            Row::Json(map) => match json_field(map, field)? {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                serde_json::Value::Bool(b) => Some(b.to_string()),
                _ => None,
            },
        }
    }

    /// A vector or set field (`answers`), empty when unset or empty.
    fn list(&self, field: &str) -> Vec<String> {
        match self {
            Row::Tsv { set_separator, .. } => self
                .get(field)
                .filter(|v| !v.is_empty())
                .map(|v| v.split(*set_separator).map(str::to_string).collect())
                .unwrap_or_default(),
            Row::Json(map) => match json_field(map, field) {
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            },
        }
    }
}

/// A JSON field by Zeek's flat dotted name (`id.orig_h`), or nested (`{"id": {"orig_h": …}}`,
/// as some log shippers write it).
fn json_field<'m>(
    map: &'m serde_json::Map<String, serde_json::Value>,
    field: &str,
) -> Option<&'m serde_json::Value> {
    if let Some(value) = map.get(field) {
        return Some(value);
    }
    let (outer, inner) = field.split_once('.')?;
    map.get(outer)?.as_object()?.get(inner)
}

/// The kind of a JSON entry from its fields, when the file name does not say.
fn kind_of_json(map: &serde_json::Map<String, serde_json::Value>) -> Option<LogKind> {
    if let Some(path) = map.get("_path").and_then(|p| p.as_str()) {
        return LogKind::from_path(path);
    }
    let has = |f: &str| map.contains_key(f);
    if has("conn_state") || has("orig_ip_bytes") || has("orig_pkts") {
        Some(LogKind::Conn)
    } else if has("query") || has("qtype_name") {
        Some(LogKind::Dns)
    } else if has("server_name") || has("cipher") {
        Some(LogKind::Ssl)
    } else if has("method") || has("uri") {
        Some(LogKind::Http)
    } else {
        None
    }
}

/// Zeek's escapes (`\x09`, `\x2c`, `\\`) undone.
fn unescape(text: &str) -> String {
    if !text.contains('\\') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && bytes.get(i + 1) == Some(&b'x')
            && let Some(hex) = text.get(i + 2..i + 4)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Seconds with a fraction (`1700000000.123456`) as microseconds, exactly.
fn micros(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let negative = whole.starts_with('-');
    let seconds: i64 = match whole.trim_start_matches('-') {
        "" => 0,
        digits if digits.bytes().all(|b| b.is_ascii_digit()) => digits.parse().ok()?,
        _ => return None,
    };
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut frac: i64 = 0;
    for (i, digit) in fraction.bytes().take(6).enumerate() {
        frac += i64::from(digit - b'0') * 10i64.pow(5 - i as u32);
    }
    let total = seconds.checked_mul(1_000_000)?.checked_add(frac)?;
    Some(if negative { -total } else { total })
}

/// An ISO 8601 time (`LogAscii::json_timestamps = JSON::TS_ISO8601`) as microseconds.
fn iso8601_micros(text: &str) -> Option<i64> {
    let t =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000).ok()
}

fn mac(text: &str) -> Option<[u8; 6]> {
    crate::model::MacAddr::parse(text).map(crate::model::MacAddr::octets)
}

fn lower(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// An HTTP Host header without its port (`cam.example.com:8080`), as the capture path names it.
fn host_without_port(host: &str) -> String {
    if host.starts_with('[') {
        return host
            .split_once(']')
            .map_or(host, |(h, _)| h.trim_start_matches('['))
            .to_string();
    }
    match host.rsplit_once(':') {
        Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            h.to_string()
        }
        _ => host.to_string(),
    }
}

#[cfg(test)]
mod tests;
