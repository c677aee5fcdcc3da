//! The closed vocabularies of a cloud contact: its category, which side of the store's router
//! it is on, and the shape of its traffic. Serialised as the snake_case words report.json has
//! always carried (`vendor_cloud`, `lan`, `snapshots`), so the contract does not change; a
//! signature file naming a category outside the list fails to load.

use serde::{Deserialize, Serialize};

/// What kind of destination a contact is (`cloud_contacts[].category`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloudCategory {
    VendorCloud,
    VendorP2p,
    FaceApi,
    /// Counts people or estimates age and gender from what it receives, with no face library
    /// and no matching: attribute analytics, not face recognition.
    PeopleAnalytics,
    ObjectStorage,
    IotMqtt,
    GenericCloud,
    /// DNS, NTP and DHCP: what a device needs to be on a network, never a cloud destination.
    Infrastructure,
    /// A peer on the local network (set by the analyser, never by a signature).
    Lan,
    /// An internet destination no signature names (set by the analyser, never by a signature).
    Unknown,
}

impl CloudCategory {
    pub const ALL: [CloudCategory; 10] = [
        CloudCategory::VendorCloud,
        CloudCategory::VendorP2p,
        CloudCategory::FaceApi,
        CloudCategory::PeopleAnalytics,
        CloudCategory::ObjectStorage,
        CloudCategory::IotMqtt,
        CloudCategory::GenericCloud,
        CloudCategory::Infrastructure,
        CloudCategory::Lan,
        CloudCategory::Unknown,
    ];

    /// The word used in report.json and in rule conditions (`cloud.category`).
    pub fn as_str(self) -> &'static str {
        match self {
            CloudCategory::VendorCloud => "vendor_cloud",
            CloudCategory::VendorP2p => "vendor_p2p",
            CloudCategory::FaceApi => "face_api",
            CloudCategory::PeopleAnalytics => "people_analytics",
            CloudCategory::ObjectStorage => "object_storage",
            CloudCategory::IotMqtt => "iot_mqtt",
            CloudCategory::GenericCloud => "generic_cloud",
            CloudCategory::Infrastructure => "infrastructure",
            CloudCategory::Lan => "lan",
            CloudCategory::Unknown => "unknown",
        }
    }

    /// Whether a cloud signature (`signatures/cloud/*.toml`) may give an endpoint this
    /// category: `lan` and `unknown` say that no signature matched.
    pub fn is_endpoint_category(self) -> bool {
        !matches!(self, CloudCategory::Lan | CloudCategory::Unknown)
    }
}

impl std::fmt::Display for CloudCategory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which side of the store's router a contact is on (`cloud_contacts[].scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactScope {
    Lan,
    Internet,
}

impl ContactScope {
    pub const ALL: [ContactScope; 2] = [ContactScope::Lan, ContactScope::Internet];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactScope::Lan => "lan",
            ContactScope::Internet => "internet",
        }
    }
}

/// What a contact's traffic looks like (`cloud_contacts[].pattern`,
/// `data_store.from[].pattern`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrafficPattern {
    /// Continuous upstream at video rates.
    VideoStream,
    /// Picture-sized bursts.
    Snapshots,
    /// Content-sized, neither steady nor bursty (a file).
    Bulk,
    /// Repeated small messages.
    Heartbeat,
    /// A few small messages.
    Control,
    /// DNS, NTP, DHCP and the like.
    NetworkService,
}

impl TrafficPattern {
    pub const ALL: [TrafficPattern; 6] = [
        TrafficPattern::VideoStream,
        TrafficPattern::Snapshots,
        TrafficPattern::Bulk,
        TrafficPattern::Heartbeat,
        TrafficPattern::Control,
        TrafficPattern::NetworkService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TrafficPattern::VideoStream => "video_stream",
            TrafficPattern::Snapshots => "snapshots",
            TrafficPattern::Bulk => "bulk",
            TrafficPattern::Heartbeat => "heartbeat",
            TrafficPattern::Control => "control",
            TrafficPattern::NetworkService => "network_service",
        }
    }

    /// A transfer of content rather than signalling.
    pub fn is_content(self) -> bool {
        matches!(
            self,
            TrafficPattern::VideoStream | TrafficPattern::Snapshots | TrafficPattern::Bulk
        )
    }
}

/// A word that is not one of a vocabulary's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{word}` (expected one of: {expected})")]
pub struct UnknownWord {
    pub what: &'static str,
    pub word: String,
    pub expected: String,
}

/// `FromStr` by the report words, for the vocabularies above.
macro_rules! from_report_word {
    ($ty:ty, $what:literal) => {
        impl std::str::FromStr for $ty {
            type Err = UnknownWord;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$ty>::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| UnknownWord {
                        what: $what,
                        word: s.to_string(),
                        expected: <$ty>::ALL.map(<$ty>::as_str).join(", "),
                    })
            }
        }
    };
}

from_report_word!(CloudCategory, "cloud category");
from_report_word!(ContactScope, "contact scope");
from_report_word!(TrafficPattern, "traffic pattern");

#[cfg(test)]
mod tests {
    use super::*;

    /// The serde names are the words report.json always had, and `as_str` agrees with them.
    #[test]
    fn serialised_words_are_the_report_words() {
        for c in CloudCategory::ALL {
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
        }
        assert_eq!(
            serde_json::to_string(&ContactScope::Internet).unwrap(),
            "\"internet\""
        );
        assert_eq!(
            serde_json::to_string(&TrafficPattern::NetworkService).unwrap(),
            "\"network_service\""
        );
        assert!(serde_json::from_str::<CloudCategory>("\"cloudy\"").is_err());
        for p in TrafficPattern::ALL {
            assert_eq!(p.as_str().parse(), Ok(p));
        }
        assert_eq!("lan".parse(), Ok(ContactScope::Lan));
        assert!(
            "cloudy"
                .parse::<CloudCategory>()
                .unwrap_err()
                .to_string()
                .contains("face_api")
        );
    }
}
