//! What the tests of the SOAP modules share: requests to read and responses read back.

use super::envelope::resolve_reference;
use crate::transport::http::{Body, Request, Response};
use lambda_http::http;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use std::collections::BTreeMap;

pub fn req(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Request {
    let mut b = http::Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::Text(body.to_string())).unwrap()
}

pub fn text_of(resp: &Response<Body>) -> &str {
    match resp.body() {
        Body::Text(t) => t,
        other => panic!("text body expected, got {other:?}"),
    }
}

/// Reads a response back: the texts of the elements with these local names (namespace-checked).
pub fn read_back(xml: &str) -> BTreeMap<String, (Option<String>, String)> {
    let mut reader = NsReader::from_str(xml);
    let mut out = BTreeMap::new();
    let mut current: Option<(Option<String>, String)> = None;
    loop {
        let (ns, ev) = reader.read_resolved_event().expect("well-formed response");
        let ns = match ns {
            ResolveResult::Bound(n) => Some(n.0.to_string()),
            _ => None,
        };
        match ev {
            Event::Start(s) => {
                let name = s.local_name().as_ref().to_string();
                out.entry(name.clone()).or_insert((ns.clone(), String::new()));
                current = Some((ns, name));
            }
            Event::Text(t) => {
                if let Some((ns, name)) = &current {
                    out.entry(name.clone()).or_insert((ns.clone(), String::new())).1.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some((ns, name)) = &current {
                    let c = resolve_reference(&r).unwrap();
                    out.entry(name.clone()).or_insert((ns.clone(), String::new())).1.push(c);
                }
            }
            Event::End(_) => current = None,
            Event::Eof => break,
            _ => {}
        }
    }
    out
}
