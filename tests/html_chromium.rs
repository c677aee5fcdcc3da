//! The HTML case file in a real browser: Debian's headless Chromium renders the report of a fixture
//! audit (a face terminal uploading to a vendor cloud, findings with advice, a hostile device),
//! prints it to PDF and takes a screenshot. The DOM after rendering, the screenshot's pixels (the
//! severity blocks of the cover page, the network picture) and the PDF's text are checked.
//!
//! Needs `chromium` (and `pdftotext`/`pdfinfo` from poppler-utils); CI installs them. Without them
//! the test fails with the reason: it never skips.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const FIXTURE: &str = "tests/fixtures/report/sample-report.json";

fn tool(name: &str, package: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "`{name}` is not installed, and this test needs it: apt-get update && apt-get install -y {package}"
        )
    })
}

/// Runs a command, killing it after `limit` (a wedged browser must not hang the suite).
fn run(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let started = Instant::now();
    // Read pipes on threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut buf).ok();
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut buf).ok();
        buf
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("{cmd:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

/// Headless Chromium with a fresh profile and nothing that talks to the network.
fn chromium(profile: &Path, extra: &[String], page: &Path) -> Output {
    let mut cmd = Command::new(tool("chromium", "chromium"));
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(format!("file://{}", page.display()));
    let out = run(cmd, Duration::from_secs(120));
    assert!(
        out.status.success(),
        "chromium failed ({:?}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Renders the fixture report with `camsweep report` in `lang`; returns the folder.
fn render(dir: &Path, lang: &str) -> PathBuf {
    let out = dir.join(format!("case-{lang}"));
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let result = Command::new(env!("CARGO_BIN_EXE_camsweep"))
        .arg("report")
        .arg(&fixture)
        .args(["--lang", lang, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        result.status.code(),
        Some(1),
        "findings present: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

fn sha256_of(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct Shot {
    width: usize,
    height: usize,
    rgb: Vec<[u8; 3]>,
}

impl Shot {
    fn read(path: &Path) -> Self {
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let channels = info.color_type.samples();
        assert!(
            channels >= 3,
            "unexpected PNG colour type {:?}",
            info.color_type
        );
        let rgb = buf[..info.buffer_size()]
            .chunks(channels)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        Shot {
            width: info.width as usize,
            height: info.height as usize,
            rgb,
        }
    }

    /// Pixels within ±3 per channel of `hex`, and the first row where one appears.
    fn find(&self, hex: &str) -> (usize, Option<usize>) {
        let want = [
            u8::from_str_radix(&hex[1..3], 16).unwrap(),
            u8::from_str_radix(&hex[3..5], 16).unwrap(),
            u8::from_str_radix(&hex[5..7], 16).unwrap(),
        ];
        let mut count = 0;
        let mut first = None;
        for (i, p) in self.rgb.iter().enumerate() {
            if p.iter().zip(want).all(|(a, b)| a.abs_diff(b) <= 3) {
                count += 1;
                first.get_or_insert(i / self.width);
            }
        }
        (count, first)
    }
}

#[test]
fn case_file_renders_prints_and_shows_its_key_elements_in_chromium() {
    let pdftotext = tool("pdftotext", "poppler-utils");
    let pdfinfo = tool("pdfinfo", "poppler-utils");
    let dir = tempfile::tempdir().unwrap();
    let en = render(dir.path(), "en");
    let zh = render(dir.path(), "zh");
    let json_sha = sha256_of(&en.join("report.json"));
    assert_eq!(
        json_sha,
        sha256_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)),
        "report.json is the fixture, byte for byte"
    );

    // 1. The DOM after rendering has the case file's parts.
    let profile = tempfile::tempdir().unwrap();
    let dom = chromium(
        profile.path(),
        &["--dump-dom".to_string()],
        &en.join("report.html"),
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    for needle in [
        "<section id=\"cover\"",
        "<div class=\"sev sev-critical\"><div class=\"n\">1</div>",
        "<div class=\"sev sev-high\"><div class=\"n\">1</div>",
        "<svg class=\"network\"",
        "<g class=\"device face\">",
        "<g class=\"cloud\">",
        "class=\"link upload\"",
        "<svg class=\"spark\"",
        "<div class=\"advice\">",
        "Platform Access",
        "<section id=\"appendix\"",
        json_sha.as_str(),
        "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef",
    ] {
        assert!(dom.contains(needle), "rendered DOM lacks {needle}");
    }
    assert!(
        !dom.contains("<script"),
        "the hostile title became a script"
    );

    // 2. Screenshot: the cover's severity blocks at the top, the network picture below them.
    let shot_path = dir.path().join("case-en.png");
    let profile = tempfile::tempdir().unwrap();
    chromium(
        profile.path(),
        &[
            format!("--screenshot={}", shot_path.display()),
            "--window-size=1280,3200".to_string(),
        ],
        &en.join("report.html"),
    );
    let shot = Shot::read(&shot_path);
    assert_eq!((shot.width, shot.height), (1280, 3200));
    let (critical, critical_top) = shot.find("#7a0916");
    let (high, high_top) = shot.find("#b42318");
    let (cloud, cloud_top) = shot.find("#ede9fe");
    let (device, _) = shot.find("#e8f0fe");
    assert!(critical > 4000, "critical block: {critical} px");
    assert!(high > 4000, "high block: {high} px");
    assert!(
        cloud > 10_000,
        "cloud nodes of the network picture: {cloud} px"
    );
    assert!(
        device > 10_000,
        "device nodes of the network picture: {device} px"
    );
    let (critical_top, high_top, cloud_top) =
        (critical_top.unwrap(), high_top.unwrap(), cloud_top.unwrap());
    assert!(
        critical_top < 900,
        "the severity counts are on the first screen (row {critical_top})"
    );
    assert!(high_top <= critical_top + 2, "blocks side by side");
    assert!(
        cloud_top > critical_top,
        "the network picture follows the cover (row {cloud_top})"
    );
    // Keep the screenshot for a person to look at when CAMSWEEP_KEEP_SCREENSHOT names a folder.
    if let Some(keep) = std::env::var_os("CAMSWEEP_KEEP_SCREENSHOT") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&shot_path, Path::new(&keep).join("case-en.png")).unwrap();
    }

    // 3. Print to PDF (A4, from the print styles) and read its text back, in both languages.
    for (folder, lang) in [(&en, "en"), (&zh, "zh")] {
        let pdf = dir.path().join(format!("case-{lang}.pdf"));
        let profile = tempfile::tempdir().unwrap();
        chromium(
            profile.path(),
            &[
                format!("--print-to-pdf={}", pdf.display()),
                "--no-pdf-header-footer".to_string(),
            ],
            &folder.join("report.html"),
        );
        let bytes = std::fs::read(&pdf).unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{lang}: not a PDF");
        let info = run(
            {
                let mut c = Command::new(&pdfinfo);
                c.arg(&pdf);
                c
            },
            Duration::from_secs(30),
        );
        let info = String::from_utf8_lossy(&info.stdout);
        assert!(info.contains("(A4)"), "{lang}: not A4: {info}");
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap();
        assert!(
            pages >= 4,
            "{lang}: cover, network, findings, appendix: {pages} pages"
        );
        let first_page = run(
            {
                let mut c = Command::new(&pdftotext);
                c.args(["-f", "1", "-l", "1", "-layout"]).arg(&pdf).arg("-");
                c
            },
            Duration::from_secs(30),
        );
        let first_page = String::from_utf8_lossy(&first_page.stdout);
        let all = run(
            {
                let mut c = Command::new(&pdftotext);
                c.arg(&pdf).arg("-");
                c
            },
            Duration::from_secs(30),
        );
        let all = String::from_utf8_lossy(&all.stdout);
        let (cover, finding, basis) = if lang == "en" {
            (
                "Case file",
                "Face data leaves the device over the internet",
                "Face Recognition Measures Art. 8",
            )
        } else {
            (
                "检查案卷",
                "人脸信息未存储于设备内",
                "《人脸识别技术应用安全管理办法》第八条",
            )
        };
        for needle in [cover, "Example Mart #12", finding, "王店长"] {
            assert!(
                first_page.contains(needle),
                "{lang}: page 1 lacks {needle}:\n{first_page}"
            );
        }
        for needle in [
            basis,
            "apiieu.ezvizlife.com",
            "report.json",
            &json_sha[..16],
        ] {
            assert!(all.contains(needle), "{lang}: PDF lacks {needle}");
        }
    }
}

/// Measures the printed layout in the page itself: print styles applied on screen at the width of
/// A4's printable area (210 mm − 2 × 12 mm = 186 mm ≈ 703 CSS px), every element's right edge
/// against the page, and the text contrast of every finding card. Written into the DOM for
/// `--dump-dom` to read back.
const MEASURE: &str = r#"<script>
addEventListener('load', () => {
  const lum = (c) => {
    const m = c.match(/rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)/);
    if (!m) return null;
    if (m[4] !== undefined && parseFloat(m[4]) === 0) return null;
    const f = (v) => { v = v / 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(+m[1]) + 0.7152 * f(+m[2]) + 0.0722 * f(+m[3]);
  };
  const bg = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const l = lum(getComputedStyle(e).backgroundColor);
      if (l !== null) return l;
    }
    return 1;
  };
  let worst = 99;
  for (const card of document.querySelectorAll('article.finding')) {
    for (const el of [card, ...card.querySelectorAll('p, div, li, h3')]) {
      if (!el.textContent.trim()) continue;
      const fg = lum(getComputedStyle(el).color);
      const b = bg(el);
      const ratio = (Math.max(fg, b) + 0.05) / (Math.min(fg, b) + 0.05);
      worst = Math.min(worst, ratio);
    }
  }
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 1) wide.push(el.tagName + '.' + el.className + ':' + Math.round(r.right));
  }
  const out = document.createElement('pre');
  out.id = 'measure';
  out.textContent = 'CONTRAST=' + worst.toFixed(2) + '\nWIDE=' + wide.length + '\n' + wide.slice(0, 20).join('\n');
  document.body.appendChild(out);
});
</script>"#;

/// The demo's case file, as an inspector prints it: at most 28 A4 pages in both languages (it
/// prints on 26: two pages of headroom), no
/// element wider than the page, finding cards readable (contrast ≥ 4.5:1), and the Chinese case
/// file shows the site declaration with labels, never raw keys.
#[test]
fn demo_case_file_prints_on_at_most_28_a4_pages() {
    let pdfinfo = tool("pdfinfo", "poppler-utils");
    let pdftotext = tool("pdftotext", "poppler-utils");
    let dir = tempfile::tempdir().unwrap();
    for lang in ["en", "zh"] {
        let out = dir.path().join(format!("demo-{lang}"));
        let result = Command::new(env!("CARGO_BIN_EXE_camsweep"))
            .args(["demo", "--quiet", "--lang", lang, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            matches!(result.status.code(), Some(0 | 1)),
            "demo failed: {}",
            String::from_utf8_lossy(&result.stderr)
        );
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();

        // Page count of the real print.
        let pdf = dir.path().join(format!("demo-{lang}.pdf"));
        let profile = tempfile::tempdir().unwrap();
        chromium(
            profile.path(),
            &[
                format!("--print-to-pdf={}", pdf.display()),
                "--no-pdf-header-footer".to_string(),
            ],
            &out.join("report.html"),
        );
        let info = run(
            {
                let mut c = Command::new(&pdfinfo);
                c.arg(&pdf);
                c
            },
            Duration::from_secs(30),
        );
        let info = String::from_utf8_lossy(&info.stdout);
        assert!(info.contains("(A4)"), "{lang}: not A4: {info}");
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap();
        assert!(
            pages <= 28,
            "{lang}: the demo case file prints on {pages} A4 pages"
        );
        if let Some(keep) = std::env::var_os("CAMSWEEP_KEEP_SCREENSHOT") {
            std::fs::create_dir_all(&keep).unwrap();
            std::fs::copy(&pdf, Path::new(&keep).join(format!("demo-{lang}.pdf"))).unwrap();
        }
        let text = run(
            {
                let mut c = Command::new(&pdftotext);
                c.arg(&pdf).arg("-");
                c
            },
            Duration::from_secs(30),
        );
        let text = String::from_utf8_lossy(&text.stdout);
        if lang == "zh" {
            for raw in [
                "cac_filing",
                "xborder_mechanism",
                "pia_on_file",
                "non_face_alternative",
                "minors_present",
                "sign_only",
            ] {
                assert!(!text.contains(raw), "zh case file shows the raw key {raw}");
            }
            assert!(
                text.contains("待现场核实") || text.contains("仅张贴告示"),
                "{lang}"
            );
        }
        // The notices' location and text are printed.
        assert!(
            text.contains("400-000-0000"),
            "{lang}: the posted notice's text"
        );

        // Layout measured with the print styles at A4 width.
        let measured = html
            .replace("@media print {", "@media all {")
            .replace("</body>", &format!("{MEASURE}</body>"));
        let page = out.join("measure.html");
        std::fs::write(&page, measured).unwrap();
        let profile = tempfile::tempdir().unwrap();
        let dom = chromium(
            profile.path(),
            &[
                "--dump-dom".to_string(),
                "--window-size=703,1000".to_string(),
            ],
            &page,
        );
        let dom = String::from_utf8_lossy(&dom.stdout);
        let report = dom
            .split("<pre id=\"measure\">")
            .nth(1)
            .and_then(|s| s.split("</pre>").next())
            .unwrap_or_else(|| panic!("{lang}: the measuring script did not run"));
        let contrast: f64 = report
            .lines()
            .find_map(|l| l.strip_prefix("CONTRAST="))
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(
            contrast >= 4.5,
            "{lang}: finding card text contrast {contrast}:1"
        );
        let wide: usize = report
            .lines()
            .find_map(|l| l.strip_prefix("WIDE="))
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert_eq!(wide, 0, "{lang}: elements wider than the page:\n{report}");
    }
}
