//! The language a person at the terminal reads: help, prompts, warnings and errors follow the
//! locale (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, as POSIX orders them). The Chinese texts
//! live in `locales/zh-CN.toml`, keyed by the English the code writes, so a text without a
//! translation still reads in English rather than not at all (a test lists the missing ones).
//!
//! The report's own language is `--lang`; what the terminal shows after a run follows `--lang`
//! when it was given and the locale otherwise.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use clap::{Arg, Command};

use crate::locale::{fill as fill_named, label_table};
use crate::report::Lang;

label_table! {
    /// The terminal's own words that are no English text to look up (locale file,
    /// `[terminal.*]`): help headings, and how an error and a system error number read.
    pub struct TerminalWords in "terminal" {
        pub usage: &'static str,
        pub commands: &'static str,
        pub arguments: &'static str,
        pub options: &'static str,
        pub error: &'static str,
        pub cause_sep: &'static str,
        pub os_error: &'static str,
    }
}

static WORDS_ZH: LazyLock<TerminalWords> = LazyLock::new(|| TerminalWords::load(true));
static WORDS_EN: LazyLock<TerminalWords> = LazyLock::new(|| TerminalWords::load(false));

fn words(lang: Lang) -> &'static TerminalWords {
    match lang {
        Lang::Zh => &WORDS_ZH,
        Lang::En => &WORDS_EN,
    }
}

/// The catalogue of Chinese texts, built into the binary.
const CATALOGUE: &str = include_str!("../../locales/zh-CN.toml");

/// The terminal's language, decided once at start-up.
static UI: OnceLock<Lang> = OnceLock::new();
/// Whether `--lang` was given on the command line (then it also decides the terminal's text).
static EXPLICIT_LANG: OnceLock<bool> = OnceLock::new();

/// The language a locale value names: Chinese for `zh…`, English for anything else.
fn lang_of_locale(value: &str) -> Lang {
    if value.to_ascii_lowercase().starts_with("zh") {
        Lang::Zh
    } else {
        Lang::En
    }
}

/// The terminal language from locale variables, read through `var` (the environment in the
/// program, a table in tests): the first of LC_ALL, LC_MESSAGES, LANG that is set and not empty.
pub fn from_locale(var: impl Fn(&str) -> Option<String>) -> Lang {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .into_iter()
        .find_map(|name| var(name).filter(|v| !v.trim().is_empty()))
        .map_or(Lang::En, |value| lang_of_locale(&value))
}

/// Decides the terminal language from the environment (once; later calls keep the first).
pub fn init_from_env() -> Lang {
    *UI.get_or_init(|| from_locale(|name| std::env::var(name).ok()))
}

/// The terminal language (English until `init_from_env` ran).
pub fn ui() -> Lang {
    UI.get().copied().unwrap_or(Lang::En)
}

/// Records whether the command line named a `--lang`.
pub fn set_lang_explicit(explicit: bool) {
    let _ = EXPLICIT_LANG.set(explicit);
}

/// The language of what the terminal shows after a run whose report is in `report_lang`: the
/// report's when `--lang` was given, the locale's otherwise.
pub fn terminal_lang(report_lang: Lang) -> Lang {
    if EXPLICIT_LANG.get().copied().unwrap_or(true) {
        report_lang
    } else {
        ui()
    }
}

/// True when `--lang` was given to the (sub)command the matches belong to.
pub fn lang_given(matches: &clap::ArgMatches) -> bool {
    let here = matches.try_contains_id("lang").is_ok_and(|known| known)
        && matches.value_source("lang") == Some(clap::parser::ValueSource::CommandLine);
    here || matches.subcommand().is_some_and(|(_, sub)| lang_given(sub))
}

#[derive(serde::Deserialize)]
struct CatalogueFile {
    text: Vec<Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    en: String,
    zh: String,
}

/// The Chinese catalogue: whole texts, and texts with `{}` holes for values put in at run time.
struct Catalogue {
    exact: HashMap<String, String>,
    /// (the English split at its holes, the Chinese with as many holes)
    patterns: Vec<(Vec<String>, String)>,
    /// The texts with holes by their English, for `fill`.
    templates: HashMap<String, String>,
}

static ZH: LazyLock<Catalogue> = LazyLock::new(|| {
    // The file is part of the binary and checked by a test: a broken one is a build error.
    #[allow(clippy::expect_used)]
    let file: CatalogueFile = toml::from_str(CATALOGUE).expect("locales/zh-CN.toml parses");
    let mut exact = HashMap::new();
    let mut patterns = Vec::new();
    let mut templates = HashMap::new();
    for entry in file.text {
        if entry.en.contains("{}") {
            let parts = entry.en.split("{}").map(str::to_string).collect();
            templates.insert(entry.en, entry.zh.clone());
            patterns.push((parts, entry.zh));
        } else {
            exact.insert(entry.en, entry.zh);
        }
    }
    Catalogue {
        exact,
        patterns,
        templates,
    }
});

impl Catalogue {
    /// The Chinese of a whole text, or of a text that fits a pattern with its values put in.
    fn translate(&self, en: &str) -> Option<String> {
        if let Some(zh) = self.exact.get(en) {
            return Some(zh.clone());
        }
        self.patterns.iter().find_map(|(parts, zh)| {
            let values = holes(parts, en)?;
            Some(put_in(zh, &values))
        })
    }
}

/// The values in `text`'s holes when it reads as `parts` joined by holes (each hole the
/// shortest text before the next part; the last hole runs to the final part).
fn holes<'t>(parts: &[String], text: &'t str) -> Option<Vec<&'t str>> {
    let (first, rest) = parts.split_first()?;
    let mut remaining = text.strip_prefix(first.as_str())?;
    let mut values = Vec::new();
    for (i, part) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        let at = if last {
            if !remaining.ends_with(part.as_str()) {
                return None;
            }
            remaining.len() - part.len()
        } else if part.is_empty() {
            return None;
        } else {
            remaining.find(part.as_str())?
        };
        values.push(&remaining[..at]);
        remaining = &remaining[at + part.len()..];
    }
    values.iter().all(|v| !v.is_empty()).then_some(values)
}

/// A text with `{}` holes, in the terminal's language, with `values` put in the holes in order.
pub fn fill(template: &str, values: &[&str]) -> String {
    fill_in(ui(), template, values)
}

/// `fill` in `lang`.
pub fn fill_in(lang: Lang, template: &str, values: &[&str]) -> String {
    let chosen = match lang {
        Lang::Zh => ZH.templates.get(template).map_or(template, String::as_str),
        Lang::En => template,
    };
    put_in(chosen, values)
}

/// `template` with `values` put in its `{}` holes in order (a hole without a value stays empty).
fn put_in(template: &str, values: &[&str]) -> String {
    let mut out = String::new();
    let mut values = values.iter();
    let mut pieces = template.split("{}").peekable();
    while let Some(piece) = pieces.next() {
        out.push_str(piece);
        if pieces.peek().is_some() {
            out.push_str(values.next().copied().unwrap_or_default());
        }
    }
    out
}

/// `en` in the terminal's language.
pub fn text(en: &str) -> Cow<'_, str> {
    text_in(ui(), en)
}

/// `en` in `lang`: the catalogue's Chinese, or the English when it has none.
pub fn text_in(lang: Lang, en: &str) -> Cow<'_, str> {
    match lang {
        Lang::En => Cow::Borrowed(en),
        Lang::Zh => ZH.translate(en).map_or(Cow::Borrowed(en), Cow::Owned),
    }
}

/// "error: …" for the terminal: each layer of the error in the terminal's language (a file
/// system error by its kind), joined as anyhow joins them.
pub fn error_message(err: &anyhow::Error) -> String {
    error_message_in(ui(), err)
}

/// `error_message` in `lang`.
pub fn error_message_in(lang: Lang, err: &anyhow::Error) -> String {
    let w = words(lang);
    let message = match lang {
        Lang::En => format!("{err:#}"),
        Lang::Zh => err
            .chain()
            .map(|cause| match cause.downcast_ref::<std::io::Error>() {
                Some(io) => io_error_zh(io),
                None => text_in(Lang::Zh, &cause.to_string()).into_owned(),
            })
            .collect::<Vec<String>>()
            .join(w.cause_sep),
    };
    fill_named(w.error, &[("message", &message)])
}

/// A file-system error in Chinese by its kind (the catalogue has the kinds a person meets, keyed
/// by the standard library's English for the kind), with the system's number kept for searching.
fn io_error_zh(io: &std::io::Error) -> String {
    let Some(said) = ZH.exact.get(&io.kind().to_string()) else {
        return text_in(Lang::Zh, &io.to_string()).into_owned();
    };
    match io.raw_os_error() {
        Some(code) => fill_named(
            words(Lang::Zh).os_error,
            &[("said", said), ("code", &code.to_string())],
        ),
        None => said.clone(),
    }
}

/// The command line's help in the terminal's language.
pub fn localize(cmd: Command) -> Command {
    localize_in(ui(), cmd)
}

/// The command line's help in `lang`: every about, help and example line the catalogue has,
/// clap's own headings and built-in flags included.
pub fn localize_in(lang: Lang, mut cmd: Command) -> Command {
    if lang == Lang::En {
        return cmd;
    }
    // Building first adds clap's own --help, --version and `help` subcommand, so their texts
    // are translated like the rest.
    cmd.build();
    localize_built(cmd)
}

fn localize_built(cmd: Command) -> Command {
    let zh = |s: &str| text_in(Lang::Zh, s).into_owned();
    let w = words(Lang::Zh);
    let mut cmd = cmd
        .help_template(format!(
            "{{before-help}}{{about-with-newline}}\n{}{{usage}}\n\n{{all-args}}{{after-help}}",
            w.usage
        ))
        .subcommand_help_heading(w.commands);
    if let Some(about) = cmd.get_about().map(ToString::to_string) {
        cmd = cmd.about(zh(&about));
    }
    if let Some(about) = cmd.get_long_about().map(ToString::to_string) {
        cmd = cmd.long_about(zh(&about));
    }
    if let Some(after) = cmd.get_after_help().map(ToString::to_string) {
        cmd = cmd.after_help(translate_lines(&after));
    }
    cmd = cmd.mut_args(localize_arg);
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, localize_built);
    }
    cmd
}

fn localize_arg(arg: Arg) -> Arg {
    let zh = |s: &str| text_in(Lang::Zh, s).into_owned();
    let w = words(Lang::Zh);
    let heading = if arg.is_positional() {
        w.arguments
    } else {
        w.options
    };
    let mut arg = if arg.get_help_heading().is_none() {
        arg.help_heading(heading)
    } else {
        arg
    };
    if let Some(help) = arg.get_help().map(ToString::to_string) {
        arg = arg.help(zh(&help));
    }
    if let Some(help) = arg.get_long_help().map(ToString::to_string) {
        arg = arg.long_help(zh(&help));
    }
    arg
}

/// Each line translated on its own (the examples: "Examples:" and the words after a command).
fn translate_lines(text: &str) -> String {
    text.lines()
        .map(|line| text_in(Lang::Zh, line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// An example line that is only a command (no words after it): the same in every language.
#[cfg(test)]
fn is_bare_command(line: &str) -> bool {
    line.trim_start().starts_with("camsweep") && !line.trim().contains("   ")
}

/// Every text of the command line a person reads in `--help`: what the catalogue must cover.
#[cfg(test)]
fn help_texts(cmd: &Command, out: &mut Vec<String>) {
    let mut push = |s: Option<&clap::builder::StyledStr>| {
        if let Some(s) = s {
            out.push(s.to_string());
        }
    };
    push(cmd.get_about());
    push(cmd.get_long_about());
    for arg in cmd.get_arguments() {
        if arg.is_hide_set() {
            continue;
        }
        push(arg.get_help());
        push(arg.get_long_help());
    }
    if let Some(after) = cmd.get_after_help() {
        out.extend(
            after
                .to_string()
                .lines()
                .filter(|l| !l.trim().is_empty() && !is_bare_command(l))
                .map(str::to_string),
        );
    }
    for sub in cmd.get_subcommands() {
        if !sub.is_hide_set() {
            help_texts(sub, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_string())
        }
    }

    #[test]
    fn the_locale_is_read_in_posix_order() {
        assert_eq!(from_locale(env(&[("LANG", "zh_CN.UTF-8")])), Lang::Zh);
        assert_eq!(from_locale(env(&[("LANG", "en_US.UTF-8")])), Lang::En);
        assert_eq!(from_locale(env(&[])), Lang::En);
        assert_eq!(
            from_locale(env(&[("LC_ALL", "en_GB.UTF-8"), ("LANG", "zh_CN.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            from_locale(env(&[
                ("LC_ALL", ""),
                ("LC_MESSAGES", "zh_TW"),
                ("LANG", "C")
            ])),
            Lang::Zh
        );
    }

    #[test]
    fn every_help_text_has_chinese() {
        let mut cmd = crate::cli::Cli::command();
        cmd.build();
        let mut texts = Vec::new();
        help_texts(&cmd, &mut texts);
        texts.sort();
        texts.dedup();
        let missing: Vec<&String> = texts.iter().filter(|t| ZH.translate(t).is_none()).collect();
        assert!(
            missing.is_empty(),
            "{} help texts have no Chinese in locales/zh-CN.toml:\n{}",
            missing.len(),
            missing
                .iter()
                .map(|t| format!("[[text]]\nen = {}\nzh = \"\"\n", toml_string(t)))
                .collect::<String>()
        );
    }

    #[test]
    fn the_catalogue_names_each_text_once() {
        let file: CatalogueFile = toml::from_str(CATALOGUE).unwrap();
        let mut seen = std::collections::HashSet::new();
        for entry in &file.text {
            assert!(
                seen.insert(&entry.en),
                "twice in locales/zh-CN.toml: {}",
                entry.en
            );
            assert!(!entry.zh.trim().is_empty(), "no Chinese for: {}", entry.en);
            assert_eq!(
                entry.en.matches("{}").count(),
                entry.zh.matches("{}").count(),
                "holes differ: {}",
                entry.en
            );
        }
    }

    fn toml_string(s: &str) -> String {
        toml::Value::String(s.to_string()).to_string()
    }

    #[test]
    fn help_reads_in_chinese_with_chinese_headings() {
        let mut cmd = localize_in(Lang::Zh, crate::cli::Cli::command());
        let help = cmd.render_help().to_string();
        assert!(help.contains("用法："), "{help}");
        assert!(help.contains("命令:"), "{help}");
        assert!(!help.contains("Print help"), "{help}");
        let audit = cmd
            .find_subcommand_mut("audit")
            .expect("audit")
            .render_help()
            .to_string();
        assert!(audit.contains("选项:"), "{audit}");
        assert!(!audit.contains("Options:"), "{audit}");
    }

    #[test]
    fn texts_with_values_are_translated_with_the_values_kept() {
        let refusal = crate::targets::TargetError::Public("8.8.8.8".into()).to_string();
        let zh = text_in(Lang::Zh, &refusal);
        assert!(zh.contains("8.8.8.8"), "{zh}");
        assert!(zh.contains("--allow-public"), "{zh}");
        assert_ne!(zh, refusal);
        assert_eq!(
            holes(&["a ".into(), " b ".into(), String::new()], "a x b y z"),
            Some(vec!["x", "y z"])
        );
        assert_eq!(holes(&["a ".into(), String::new()], "a "), None);
    }

    /// The terminal's words are in the locale file, and every file-system error kind a person
    /// meets reads in Chinese (the catalogue keys them by the standard library's English).
    #[test]
    fn terminal_words_and_file_errors_read_in_chinese() {
        use std::io::ErrorKind as K;
        crate::locale::assert_section_has_exactly(TerminalWords::SECTION, TerminalWords::KEYS);
        for kind in [
            K::NotFound,
            K::PermissionDenied,
            K::AlreadyExists,
            K::IsADirectory,
            K::NotADirectory,
            K::StorageFull,
            K::ReadOnlyFilesystem,
            K::InvalidData,
            K::UnexpectedEof,
            K::TimedOut,
            K::Interrupted,
        ] {
            let zh = io_error_zh(&std::io::Error::from(kind));
            assert!(zh.chars().any(|c| c > '\u{2e80}'), "{kind:?}: {zh}");
        }
        let refused = std::io::Error::from_raw_os_error(111);
        assert_eq!(io_error_zh(&refused), refused.to_string());
    }

    #[test]
    fn a_missing_file_reads_in_chinese() {
        let err = anyhow::Error::new(std::io::Error::from_raw_os_error(2))
            .context("reading report /nope/report.json");
        let zh = error_message_in(Lang::Zh, &err);
        assert!(zh.starts_with("错误："), "{zh}");
        assert!(zh.contains("/nope/report.json"), "{zh}");
        assert!(zh.contains("文件或文件夹不存在"), "{zh}");
        let en = error_message_in(Lang::En, &err);
        assert!(en.starts_with("error: reading report"), "{en}");
    }
}
