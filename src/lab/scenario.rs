//! The demo's scenarios: each public case camsweep exists for, as a simulated site. A scenario is
//! data: its personas (src/lab/personas.toml for the shop, src/lab/scenarios/*.toml for the
//! others), what they send (src/lab/uploads.toml) and the site declaration an inspector would
//! record there (signatures/sites/*.toml).

use super::{LabError, LabSpec};

const SALES_OFFICE: &str = include_str!("scenarios/sales-office.toml");
const SCHOOL: &str = include_str!("scenarios/school.toml");
const PARKING: &str = include_str!("scenarios/parking.toml");

/// A simulated site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scenario {
    /// The chain store (the Kohler case): the demo's shop, face cameras uploading to clouds.
    #[default]
    Shop,
    /// The sales centre (Shanghai Fengxian, 2022): an entrance face camera keeping visitors'
    /// faces on a local HikCentral server.
    SalesOffice,
    /// A school canteen where pupils pay by face at WeChat Pay and Alipay face-payment
    /// terminals, without guardian consent or another way to pay.
    School,
    /// A mall car park: plate-recognition (ANPR) cameras at the lanes pushing plate pictures to
    /// the car park's controller and pay station; no face recognition.
    Parking,
}

impl Scenario {
    pub const ALL: [Scenario; 4] = [
        Scenario::Shop,
        Scenario::SalesOffice,
        Scenario::School,
        Scenario::Parking,
    ];

    /// The name on the command line (`--scenario sales-office`).
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Shop => "shop",
            Scenario::SalesOffice => "sales-office",
            Scenario::School => "school",
            Scenario::Parking => "parking",
        }
    }

    /// The site declaration bundled for the scenario, as a path under `signatures/`.
    pub fn site_file(self) -> &'static str {
        match self {
            Scenario::Shop => "sites/demo-store.toml",
            Scenario::SalesOffice => "sites/sales-office.toml",
            Scenario::School => "sites/school.toml",
            Scenario::Parking => "sites/parking.toml",
        }
    }

    /// Who "authorised" the scan, as the report's cover shows it.
    pub fn authorised_by(self) -> &'static str {
        match self {
            Scenario::Shop => "camsweep demo (simulated store)",
            Scenario::SalesOffice => "camsweep demo (simulated sales office)",
            Scenario::School => "camsweep demo (simulated school canteen)",
            Scenario::Parking => "camsweep demo (simulated car park)",
        }
    }

    /// The personas of the scenario.
    ///
    /// # Errors
    /// [`LabError::Spec`] when the bundled data does not parse or is inconsistent.
    pub fn spec(self) -> Result<LabSpec, LabError> {
        match self {
            Scenario::Shop => LabSpec::bundled(),
            Scenario::SalesOffice => LabSpec::from_toml(SALES_OFFICE),
            Scenario::School => LabSpec::from_toml(SCHOOL),
            Scenario::Parking => LabSpec::from_toml(PARKING),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_parses_and_has_a_bundled_site_declaration() {
        for scenario in Scenario::ALL {
            let spec = scenario.spec().unwrap();
            assert!(!spec.personas.is_empty(), "{}", scenario.name());
            let bundle = crate::bundle::SignatureBundle::builtin().unwrap();
            let site = bundle
                .site_text(scenario.site_file())
                .unwrap_or_else(|| panic!("{} is not bundled", scenario.site_file()));
            let site = crate::policy::SiteDeclaration::parse(scenario.site_file(), site).unwrap();
            // Every persona of a case scenario is declared: its findings are about what it
            // shows, not about an inventory gap (the shop hides one camera on purpose).
            if scenario == Scenario::Shop {
                continue;
            }
            for p in &spec.personas {
                let declared = site.device_for(&p.ip.to_string(), None, None).is_some();
                assert!(
                    declared,
                    "{} ({}) is not in {}",
                    p.name,
                    p.ip,
                    scenario.site_file()
                );
            }
        }
    }
}
