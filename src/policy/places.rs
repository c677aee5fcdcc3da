//! Whether a declared device location names a public spot (`signatures/places.toml`): "门店入口"
//! or "Entrance" is open to customers, "stock room" is not; a location saying neither is unknown.

use serde::Deserialize;

use super::PolicyError;

/// The bundled word lists, relative to `signatures/`.
pub const PLACES_FILE: &str = "places.toml";

/// The word lists: locations naming a public spot, and ones naming a staff-only area.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Places {
    #[allow(dead_code)]
    #[serde(default)]
    schema_version: u32,
    #[allow(dead_code)]
    #[serde(default)]
    source: String,
    public: Vec<String>,
    staff: Vec<String>,
}

impl Places {
    /// Parses `places.toml` (given as name and text).
    ///
    /// # Errors
    /// A TOML or shape problem, with file, line and column.
    pub fn parse(name: &str, text: &str) -> Result<Self, PolicyError> {
        toml::from_str(text).map_err(|e| PolicyError::toml(name, text, &e))
    }

    /// What a location text says about the area: `Some(true)` public, `Some(false)` staff-only,
    /// `None` when it names neither or both.
    pub fn public_from_location(&self, location: &str) -> Option<bool> {
        let text = location.to_lowercase();
        let public = self.public.iter().any(|w| names(&text, w));
        let staff = self.staff.iter().any(|w| names(&text, w));
        match (public, staff) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        }
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
        let places = places();
        assert!(!places.public.is_empty() && !places.staff.is_empty());
    }

    fn places() -> Places {
        crate::bundle::builtin_rules().unwrap().places
    }

    #[test]
    fn locations_that_name_a_spot() {
        let places = places();
        let public_from_location = |text: &str| places.public_from_location(text);
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
