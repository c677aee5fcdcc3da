//! The lab gateway's UPnP IGD, as MiniUPnPd answers: its root description at `/rootDesc.xml`,
//! and on the WAN connection service's control URL `GetGenericPortMappingEntry` from its table
//! (fault 713 past the last entry). Every other action is refused (fault 401 Invalid Action):
//! the lab gateway never lets anyone change its table. Pure: request in, response out.

use super::http::{Request, Response, finish};
use crate::lab::discovery::{IGD_DESCRIPTION_PATH, IgdData};
use crate::wire::igd;

/// The answer to one request.
pub fn respond(g: &IgdData, req: &Request, body: &[u8]) -> Response {
    let xml = |status: u16, body: String| Response {
        status,
        headers: vec![(
            "Content-Type".to_owned(),
            "text/xml; charset=\"utf-8\"".to_owned(),
        )],
        body: body.into_bytes(),
    };
    let services = igd::connection_services(&g.description)
        .map(|(_, s)| s)
        .unwrap_or_default();
    let control = services.iter().find(|s| s.control_url == req.path);
    let response = if req.path == IGD_DESCRIPTION_PATH
        && matches!(req.method.as_str(), "GET" | "HEAD")
    {
        xml(200, g.description.clone())
    } else if let Some(service) = control
        && req.method == "POST"
    {
        let asked_entry = req
            .header("soapaction")
            .is_some_and(|a| a.contains(&format!("#{}", igd::GET_GENERIC_PORT_MAPPING_ENTRY)));
        match igd::parse_entry_request(&String::from_utf8_lossy(body)) {
            Some(index) if asked_entry => {
                match usize::try_from(index).ok().and_then(|i| g.mappings.get(i)) {
                    Some(m) => xml(
                        200,
                        igd::entry_response(
                            &service.service_type,
                            &igd::Mapping {
                                remote_host: m.remote_host.clone(),
                                external_port: m.external_port,
                                protocol: m.protocol.clone(),
                                internal_port: m.internal_port,
                                internal_client: m.internal_client.clone(),
                                enabled: m.enabled,
                                description: m.description.clone(),
                                lease_duration: m.lease_duration,
                            },
                        ),
                    ),
                    None => xml(
                        500,
                        igd::fault(igd::ARRAY_INDEX_INVALID, "SpecifiedArrayIndexInvalid"),
                    ),
                }
            }
            _ => xml(500, igd::fault(401, "Invalid Action")),
        }
    } else {
        Response {
            status: 404,
            headers: Vec::new(),
            body: b"<HTML><HEAD><TITLE>404 Not Found</TITLE></HEAD><BODY><H1>Not Found</H1>The requested URL was not found on this server.</BODY></HTML>\r\n".to_vec(),
        }
    };
    let mut response = finish(response, Some(&g.server));
    response
        .headers
        .push(("Connection".to_owned(), "close".to_owned()));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::discovery;
    use crate::lab::responders::http::parse_request;

    fn gateway() -> IgdData {
        discovery::bundled()
            .unwrap()
            .devices
            .into_iter()
            .find_map(|d| d.igd)
            .expect("the lab has a UPnP gateway")
    }

    fn post(index: u32, action: &str) -> (Request, String) {
        let service = "urn:schemas-upnp-org:service:WANIPConnection:2";
        let head = format!(
            "POST /ctl/IPConn HTTP/1.1\r\nHost: 198.18.0.1:5000\r\nSOAPAction: \"{service}#{action}\"\r\n\r\n"
        );
        (
            parse_request(head.as_bytes()).unwrap(),
            igd::entry_request(service, index),
        )
    }

    #[test]
    fn serves_its_table_entry_by_entry_then_fault_713() {
        let g = gateway();
        assert!(!g.mappings.is_empty());
        for (i, m) in g.mappings.iter().enumerate() {
            let (req, body) = post(u32::try_from(i).unwrap(), "GetGenericPortMappingEntry");
            let r = respond(&g, &req, body.as_bytes());
            assert_eq!(r.status, 200);
            match igd::parse_entry_reply(&String::from_utf8_lossy(&r.body)).unwrap() {
                igd::EntryReply::Mapping(got) => {
                    assert_eq!(got.internal_client, m.internal_client);
                    assert_eq!(got.external_port, m.external_port);
                }
                other => panic!("entry {i}: {other:?}"),
            }
        }
        let (req, body) = post(
            u32::try_from(g.mappings.len()).unwrap(),
            "GetGenericPortMappingEntry",
        );
        let r = respond(&g, &req, body.as_bytes());
        assert_eq!(r.status, 500);
        assert_eq!(
            igd::parse_entry_reply(&String::from_utf8_lossy(&r.body)),
            Ok(igd::EntryReply::Fault {
                code: 713,
                description: "SpecifiedArrayIndexInvalid".into()
            })
        );
    }

    #[test]
    fn serves_its_description_and_refuses_changes() {
        let g = gateway();
        let get = parse_request(b"GET /rootDesc.xml HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let r = respond(&g, &get, b"");
        assert_eq!(r.status, 200);
        let (_, services) = igd::connection_services(&String::from_utf8_lossy(&r.body)).unwrap();
        assert_eq!(services[0].control_url, "/ctl/IPConn");
        let (req, body) = post(0, "AddPortMapping");
        let r = respond(&g, &req, body.replace("GetGeneric", "AddPort").as_bytes());
        assert_eq!(r.status, 500);
        assert!(String::from_utf8_lossy(&r.body).contains("<errorCode>401</errorCode>"));
    }
}
