//! Every fact camsweep decides with names where it comes from: each device signature, cloud
//! endpoint and OUI row of the bundled set has a public source (the loaders refuse entries
//! without one; this checks the shipped data end to end).

#[test]
fn every_bundled_signature_names_its_source() {
    let db = camsweep::bundle::builtin_devices().unwrap();
    assert!(!db.signatures().is_empty());
    let missing: Vec<&str> = db
        .signatures()
        .iter()
        .filter(|s| s.source.trim().is_empty())
        .map(|s| s.id.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "signatures without a source: {missing:?}"
    );
}

#[test]
fn every_bundled_cloud_endpoint_names_its_source() {
    let cloud = camsweep::bundle::builtin_cloud().unwrap();
    assert!(!cloud.entries().is_empty());
    for entry in cloud.entries() {
        assert!(!entry.source.trim().is_empty(), "{entry:?} has no source");
    }
}

#[test]
fn every_oui_row_names_its_source() {
    for (file, text) in [
        (
            "base-ieee-registry.tsv",
            include_str!("../../signatures/oui/base-ieee-registry.tsv"),
        ),
        (
            "camera-vendors.tsv",
            include_str!("../../signatures/oui/camera-vendors.tsv"),
        ),
    ] {
        let rows = camsweep::fingerprint::OuiEntry::parse_tsv(file, text).unwrap();
        assert!(!rows.is_empty(), "{file}");
        assert!(rows.iter().all(|r| !r.source.trim().is_empty()), "{file}");
    }
}
