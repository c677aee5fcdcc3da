//! Lines in the layout Zeek's documentation shows for conn.log, dns.log, ssl.log and http.log
//! (TSV headers as LogAscii writes them; JSON as `LogAscii::use_json=T` writes them). The
//! values are made up for these tests.

use super::*;

const TSV_HEADER: &str = "#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tconn
#open\t2024-05-01-10-00-00
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents
#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]";

fn read_all(file: &str, kind: Option<LogKind>, text: &str) -> Result<Vec<Record>, ZeekError> {
    let mut reader = LogReader::new(file, kind);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        out.extend(reader.line(i + 1, line)?);
    }
    Ok(out)
}

#[test]
fn tsv_conn_line_gives_both_directions_ip_bytes_and_packets() {
    let text = format!(
        "{TSV_HEADER}\n1714557600.123456\tCHhAvVGS1DHFjwGM9\t192.168.1.20\t40000\t47.96.1.2\t443\ttcp\tssl\t2.500000\t5000\t300\tSF\tT\tF\t0\tShADadFf\t10\t5520\t6\t620\t(empty)\n#close\t2024-05-01-11-00-00\n"
    );
    let records = read_all("conn.log", None, &text).unwrap();
    let [Record::Conn(c)] = records.as_slice() else {
        panic!("{records:?}")
    };
    assert_eq!(c.ts_us, 1_714_557_600_123_456);
    assert_eq!(c.uid, "CHhAvVGS1DHFjwGM9");
    assert_eq!(c.orig, ("192.168.1.20".parse().unwrap(), 40_000));
    assert_eq!(c.resp, ("47.96.1.2".parse().unwrap(), 443));
    assert_eq!(c.proto, Proto::Tcp);
    assert_eq!(c.duration_us, 2_500_000);
    assert_eq!(c.bytes, [5_520, 620]);
    assert!(c.ip_level);
    assert_eq!(c.packets, [10, 6]);
    assert_eq!(c.l2, [None, None]);
}

#[test]
fn unset_ip_bytes_fall_back_to_payload_bytes_and_unset_duration_is_zero() {
    let text = format!(
        "{TSV_HEADER}\n1714557600.5\tC1\t192.168.1.20\t5353\t224.0.0.251\t5353\tudp\tdns\t-\t-\t-\tS0\tT\tF\t0\tD\t1\t-\t0\t-\t-\n"
    );
    let records = read_all("conn.log", None, &text).unwrap();
    let [Record::Conn(c)] = records.as_slice() else {
        panic!("{records:?}")
    };
    assert_eq!(c.ts_us, 1_714_557_600_500_000);
    assert_eq!(c.duration_us, 0);
    assert!(!c.ip_level);
    assert_eq!(c.bytes, [0, 0]);
    assert_eq!(c.packets, [1, 0]);
}

#[test]
fn json_conn_line_with_mac_logging_and_icmp() {
    let line = r#"{"ts":1714557600.25,"uid":"C2","id.orig_h":"192.168.1.20","id.orig_p":8,"id.resp_h":"8.8.8.8","id.resp_p":0,"proto":"icmp","duration":0.01,"orig_bytes":56,"resp_bytes":56,"conn_state":"OTH","orig_pkts":1,"orig_ip_bytes":84,"resp_pkts":1,"resp_ip_bytes":84,"orig_l2_addr":"34:ce:00:aa:bb:cc","resp_l2_addr":"ff:ff:ff:ff:ff:ff"}"#;
    let records = read_all("conn.json", Some(LogKind::Conn), line).unwrap();
    let [Record::Conn(c)] = records.as_slice() else {
        panic!("{records:?}")
    };
    assert_eq!(c.proto, Proto::Other(1));
    assert_eq!(c.bytes, [84, 84]);
    assert_eq!(c.l2[0], Some([0x34, 0xce, 0, 0xaa, 0xbb, 0xcc]));
    assert_eq!(c.l2[1], Some([0xff; 6]));
}

#[test]
fn json_kind_comes_from_the_fields_and_iso_timestamps_are_read() {
    let line = r#"{"ts":"2024-05-01T10:00:00.000001Z","uid":"C3","id":{"orig_h":"192.168.1.20","orig_p":1,"resp_h":"1.2.3.4","resp_p":2},"proto":"udp","conn_state":"S0","orig_pkts":1,"orig_ip_bytes":30,"resp_pkts":0,"resp_ip_bytes":0}"#;
    let mut reader = LogReader::new("eve.json", None);
    let Some(Record::Conn(c)) = reader.line(1, line).unwrap() else {
        panic!()
    };
    assert_eq!(reader.kind(), Some(LogKind::Conn));
    assert_eq!(c.ts_us, 1_714_557_600_000_001);
    assert_eq!(c.orig.1, 1);
}

#[test]
fn dns_answers_give_each_address_its_cname_chain() {
    let text = "#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tdns
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected
1714557600.000000\tC4\t192.168.1.20\t33000\t192.168.1.1\t53\tudp\t1\t0.01\tAPI.Example.com\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\tedge.example.net,47.96.1.2,47.96.1.3\t60.0,60.0,60.0\tF
1714557601.000000\tC5\t192.168.1.20\t33001\t192.168.1.1\t53\tudp\t2\t-\tnothing.example.com\t1\tC_INTERNET\t1\tA\t3\tNXDOMAIN\tF\tF\tT\tT\t0\t-\t-\tF
";
    let records = read_all("dns.log", None, text).unwrap();
    assert_eq!(records.len(), 1, "a query without answers names nothing");
    let Record::Dns(d) = &records[0] else {
        panic!()
    };
    assert_eq!(d.asker, "192.168.1.20".parse::<IpAddr>().unwrap());
    let chain = vec![
        "api.example.com".to_string(),
        "edge.example.net".to_string(),
    ];
    assert_eq!(
        d.bindings(),
        vec![
            ("47.96.1.2".parse().unwrap(), chain.clone()),
            ("47.96.1.3".parse().unwrap(), chain)
        ]
    );
}

#[test]
fn ssl_server_name_and_http_host_name_their_connection() {
    let ssl = r#"{"ts":1714557600.1,"uid":"C6","id.orig_h":"192.168.1.20","id.orig_p":40000,"id.resp_h":"47.96.1.2","id.resp_p":443,"version":"TLSv12","server_name":"Upload.Example.COM","established":true}"#;
    let http = r#"{"ts":1714557600.2,"uid":"C7","id.orig_h":"192.168.1.20","id.orig_p":40001,"id.resp_h":"47.96.1.2","id.resp_p":80,"method":"POST","host":"api.example.com:8080","uri":"/upload"}"#;
    assert_eq!(
        read_all("ssl.log", None, ssl).unwrap(),
        vec![Record::Sni(NamedConnection {
            uid: "C6".into(),
            name: "upload.example.com".into()
        })]
    );
    assert_eq!(
        read_all("http.log", None, http).unwrap(),
        vec![Record::HttpHost(NamedConnection {
            uid: "C7".into(),
            name: "api.example.com".into()
        })]
    );
}

#[test]
fn escaped_separator_in_a_value_is_undone() {
    assert_eq!(unescape("a\\x09b\\x2cc"), "a\tb,c");
    assert_eq!(unescape("plain"), "plain");
    assert_eq!(unescape("bad\\xZZ"), "bad\\xZZ");
}

#[test]
fn bad_lines_are_errors_with_file_and_line() {
    let text =
        format!("{TSV_HEADER}\n1714557600.0\tC1\t192.168.1.20\t40000\t47.96.1.2\t443\ttcp\n");
    let err = read_all("logs/conn.log", None, &text).unwrap_err();
    assert_eq!(err.line, 9);
    assert_eq!(
        err.to_string(),
        "logs/conn.log:9: 7 fields where #fields names 21"
    );
    let text = format!(
        "{TSV_HEADER}\n1714557600.0\tC1\t192.168.1.999\t40000\t47.96.1.2\t443\ttcp\tssl\t1.0\t1\t1\tSF\tT\tF\t0\tS\t1\t1\t1\t1\t(empty)\n"
    );
    let err = read_all("conn.log", None, &text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "conn.log:9: id.orig_h: `192.168.1.999` is not an address"
    );
    let err = read_all("conn.log", None, "1714557600.0\tC1").unwrap_err();
    assert!(err.reason.contains("before the #fields header"), "{err}");
    let err = read_all("conn.json", None, "{\"ts\": 1,").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("conn.json:1: not a JSON object"),
        "{err}"
    );
    let err = read_all("weird.json", None, r#"{"ts":1,"foo":2}"#).unwrap_err();
    assert!(err.reason.contains("not a conn, dns, ssl or http"), "{err}");
    let conn = |ts: &str, duration: &str, pkts: &str| {
        format!(
            "{TSV_HEADER}\n{ts}\tC1\t192.168.1.20\t40000\t47.96.1.2\t443\ttcp\tssl\t{duration}\t1\t1\tSF\tT\tF\t0\tS\t{pkts}\t1\t1\t1\t(empty)\n"
        )
    };
    for (text, reason) in [
        (
            conn("-5.0", "1.0", "1"),
            "ts: `-5.0` is not a time since 1970",
        ),
        (
            conn("1.0", "-1.0", "1"),
            "duration: `-1.0` is not a number of seconds up to ten years",
        ),
        (conn("1.0", "999999999999", "1"), "duration: `999999999999`"),
        (
            conn("1.0", "1.0", "18446744073709551615"),
            "orig_pkts: `18446744073709551615` is not a count",
        ),
    ] {
        let err = read_all("conn.log", None, &text).unwrap_err();
        assert!(err.reason.starts_with(reason), "{err}");
    }
    let long = "x".repeat(MAX_LINE + 1);
    assert!(read_all("conn.log", None, &long).is_err());
    let err = read_all("x.log", None, "#path\tfiles").unwrap_err();
    assert!(err.reason.contains("#path files"), "{err}");
}

#[test]
fn times_are_read_exactly() {
    assert_eq!(micros("1714557600.123456"), Some(1_714_557_600_123_456));
    assert_eq!(micros("0.000001"), Some(1));
    assert_eq!(micros("12"), Some(12_000_000));
    assert_eq!(micros("1.1234567"), Some(1_123_456));
    assert_eq!(micros("abc"), None);
    assert_eq!(micros("1e9"), None);
    assert_eq!(micros(""), None);
    assert_eq!(micros("99999999999999999999"), None);
}

#[test]
fn log_kind_from_file_names() {
    assert_eq!(LogKind::from_path("conn.log"), Some(LogKind::Conn));
    assert_eq!(
        LogKind::from_path("dns.2024-05-01-10-00-00.log.gz"),
        Some(LogKind::Dns)
    );
    assert_eq!(LogKind::from_path("ssl.json"), Some(LogKind::Ssl));
    assert_eq!(LogKind::from_path("http"), Some(LogKind::Http));
    assert_eq!(LogKind::from_path("files.log"), None);
    assert_eq!(LogKind::from_path("connections.csv"), None);
    assert_eq!(LogKind::from_path("conn-summary.log"), None);
}
