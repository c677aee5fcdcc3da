//! Who authorised an audit. Scanning a network without its owner's authorisation can itself be
//! unlawful intrusion, so `audit` records who authorised it: from `--authorised-by`, or by asking
//! when run at a terminal. Run unattended without the flag, it carries on, warns, and the report
//! says the authorisation was not stated.

use anyhow::{Result, bail};
use std::io::{BufRead, IsTerminal, Write};

use super::locale;
use crate::report::Lang;

/// What the report records about the authorisation.
#[derive(Debug, Default)]
pub struct Authorisation {
    /// Who authorised the scan ("name, role"), when known.
    pub by: Option<String>,
    /// A note for the report when it is not known.
    pub note: Option<crate::model::Note>,
}

/// From the flag; else asked on the terminal; else not stated (with a warning on stderr).
///
/// # Errors
/// When asked at a terminal and no answer is given: an audit does not start without one.
pub fn resolve(flag: Option<String>) -> Result<Authorisation> {
    if let Some(by) = flag.filter(|s| !s.trim().is_empty()) {
        return Ok(Authorisation {
            by: Some(by.trim().to_string()),
            note: None,
        });
    }
    if std::io::stdin().is_terminal() {
        let by = ask(
            locale::ui(),
            std::io::stdin().lock(),
            std::io::stderr().lock(),
        )?;
        return Ok(Authorisation {
            by: Some(by),
            note: None,
        });
    }
    eprintln!(
        "{}",
        locale::text(
            "warning: who authorised this scan is not stated (give --authorised-by \"name, role\"); \
             the report records that it was not stated"
        )
    );
    Ok(Authorisation {
        by: None,
        // The note a report gets when nobody stated who authorised the scan.
        note: Some(crate::model::Note::new("authorisation_not_stated")),
    })
}

/// Asks, in `lang`, who authorised the scan and reads one line.
///
/// # Errors
/// When the answer is empty or the input ends.
pub fn ask(lang: Lang, mut input: impl BufRead, mut prompt: impl Write) -> Result<String> {
    write!(
        prompt,
        "{}\n{}",
        locale::text_in(
            lang,
            "Scanning a network without its owner's authorisation can be unlawful."
        ),
        locale::text_in(lang, "Who authorised this scan? (name, role): ")
    )?;
    prompt.flush()?;
    let mut line = String::new();
    input.read_line(&mut line)?;
    let answer = line.trim();
    if answer.is_empty() {
        bail!(
            "{}",
            locale::text_in(
                lang,
                "no authorisation given: an audit needs the name of who authorised it (or --authorised-by \"name, role\")"
            )
        );
    }
    Ok(answer.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_recorded_and_an_empty_one_refused() {
        let mut prompt = Vec::new();
        let by = ask(Lang::En, &b"Li Wei, store manager\n"[..], &mut prompt).unwrap();
        assert_eq!(by, "Li Wei, store manager");
        assert!(
            String::from_utf8(prompt)
                .unwrap()
                .contains("Who authorised")
        );
        assert!(ask(Lang::En, &b"  \n"[..], Vec::new()).is_err());
        assert!(ask(Lang::En, &b""[..], Vec::new()).is_err());
    }

    #[test]
    fn a_chinese_terminal_is_asked_in_chinese() {
        let mut prompt = Vec::new();
        let by = ask(Lang::Zh, "李伟，店长\n".as_bytes(), &mut prompt).unwrap();
        assert_eq!(by, "李伟，店长");
        let prompt = String::from_utf8(prompt).unwrap();
        assert!(prompt.contains("谁授权"), "{prompt}");
        assert!(!prompt.contains("Who authorised"), "{prompt}");
        let refusal = ask(Lang::Zh, &b"\n"[..], Vec::new())
            .unwrap_err()
            .to_string();
        assert!(refusal.contains("--authorised-by"), "{refusal}");
        assert!(!refusal.contains("no authorisation given"), "{refusal}");
    }
}
