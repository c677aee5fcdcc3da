//! Whether a declared device location names a public spot (`signatures/places.toml`): "门店入口"
//! or "Entrance" is open to customers, "stock room" is not; a location saying neither is unknown.

use serde::Deserialize;
use std::sync::LazyLock;

/// The bundled word lists, relative to `signatures/`.
pub const PLACES_FILE: &str = "places.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Places {
    #[allow(dead_code)]
    schema_version: u32,
    #[allow(dead_code)]
    source: String,
    public: Vec<String>,
    staff: Vec<String>,
}

static PLACES: LazyLock<Places> = LazyLock::new(|| {
    let text = crate::fingerprint::bundled_files()
        .iter()
        .find(|(p, _)| *p == PLACES_FILE)
        .map_or("", |(_, t)| *t);
    // A broken bundled file is ruled out by a unit test; an unreadable one reads no words.
    toml::from_str(text).unwrap_or(Places {
        schema_version: 1,
        source: String::new(),
        public: Vec::new(),
        staff: Vec::new(),
    })
});

/// What a location text says about the area: `Some(true)` public, `Some(false)` staff-only,
/// `None` when it names neither or both.
pub fn public_from_location(location: &str) -> Option<bool> {
    let text = location.to_lowercase();
    let public = PLACES.public.iter().any(|w| names(&text, w));
    let staff = PLACES.staff.iter().any(|w| names(&text, w));
    match (public, staff) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

/// Whether `text` (lower case) contains `word`: on word boundaries for ASCII words, anywhere for
/// Chinese ones (Chinese has no spaces between words).
fn names(text: &str, word: &str) -> bool {
    let word = word.to_lowercase();
    if !word.is_ascii() {
        return text.contains(&word);
    }
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    text.match_indices(&word).any(|(at, _)| {
        boundary(text[..at].chars().next_back()) && boundary(text[at + word.len()..].chars().next())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_lists_parse_and_are_not_empty() {
        let text = crate::fingerprint::bundled_files()
            .iter()
            .find(|(p, _)| *p == PLACES_FILE)
            .map(|(_, t)| *t)
            .expect("signatures/places.toml is bundled");
        let places: Places = toml::from_str(text).unwrap();
        assert!(!places.public.is_empty() && !places.staff.is_empty());
    }

    #[test]
    fn locations_that_name_a_spot() {
        for public in [
            "Entrance",
            "门店入口",
            "main door, left",
            "收银台上方",
            "Checkout 2",
        ] {
            assert_eq!(public_from_location(public), Some(true), "{public}");
        }
        for staff in ["Back office", "仓库", "stock room shelf"] {
            assert_eq!(public_from_location(staff), Some(false), "{staff}");
        }
        // Says nothing, names both, or only contains a word inside another one: unknown.
        for unknown in ["pole 3", "staff entrance", "", "Tilling"] {
            assert_eq!(public_from_location(unknown), None, "{unknown}");
        }
    }
}
