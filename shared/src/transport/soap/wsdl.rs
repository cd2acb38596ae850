//! The WSDL 1.1 documents of the two services, answered to `?wsdl` with the port addressed at
//! the URL the request came to.

use super::responses::{xml_response, xml_safe};
use crate::transport::http::{self, Body, Request, Response};

/// The services we describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// `POST /register` (the user SOAP service).
    Registration,
    /// `GET /user/soap?username=` and `POST /user/soap` (the user lookup service).
    Lookup,
}

/// `?wsdl` (any case, with or without a value) in the query string.
pub fn wants_wsdl(req: &Request) -> bool {
    req.uri().query().is_some_and(|q| {
        q.split('&').any(|pair| pair.split('=').next().is_some_and(|k| k.eq_ignore_ascii_case("wsdl")))
    })
}

/// The endpoint address as the client reached it: scheme, host, stage prefix and path, without
/// the query. API Gateway always sends `x-forwarded-proto`; without it (the local gateway) a
/// loopback host means plain http.
pub fn endpoint_address(req: &Request) -> String {
    let uri = req.uri();
    let host = uri
        .authority()
        .map(|a| a.as_str())
        .or_else(|| http::header_str(req, "host"))
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .unwrap_or("localhost");
    let loopback = ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|l| host == *l || host.strip_prefix(l).is_some_and(|rest| rest.starts_with(':')));
    let scheme = match http::header_str(req, "x-forwarded-proto") {
        Some(p) if p.eq_ignore_ascii_case("http") => "http",
        Some(_) => "https",
        None if loopback => "http",
        None => "https",
    };
    format!("{scheme}://{host}{}", uri.path())
}

/// The WSDL 1.1 document of `service`, with its port at `address`.
pub fn wsdl(service: Service, address: &str) -> String {
    let address = quick_xml::escape::escape(xml_safe(address).into_owned()).into_owned();
    match service {
        Service::Registration => REGISTRATION_WSDL,
        Service::Lookup => LOOKUP_WSDL,
    }
    .replace("{fault_schema}", SCHEMA_FAULT)
    .replace("{address}", &address)
}

/// `?wsdl` answered with the service description for the address the request came to.
/// (The runner marks it `no-store` like every answer: its address follows the request's host.)
pub fn wsdl_response(service: Service, req: &Request) -> Response<Body> {
    xml_response(200, wsdl(service, &endpoint_address(req)))
}

const SCHEMA_FAULT: &str = r#"
      <xs:element name="ServiceFault">
        <xs:annotation><xs:documentation>detail entry of every SOAP Fault: the stable error code and the request id</xs:documentation></xs:annotation>
        <xs:complexType>
          <xs:sequence>
            <xs:element name="code" type="xs:string"/>
            <xs:element name="requestId" type="xs:string"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>"#;

const REGISTRATION_WSDL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="UserRegistration"
    targetNamespace="urn:rust-lambda:users"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="urn:rust-lambda:users">
  <wsdl:documentation>User registration (SOAP 1.1, document/literal). Faults: soap:Client with the HTTP status of the mistake (400, 409, 413, 415), soap:Server with 500 or 503; the detail holds tns:ServiceFault.</wsdl:documentation>
  <wsdl:types>
    <xs:schema targetNamespace="urn:rust-lambda:users" elementFormDefault="qualified">
      <xs:element name="RegisterUser">
        <xs:complexType>
          <xs:all>
            <xs:element name="username" type="xs:string"/>
            <xs:element name="email" type="xs:string"/>
            <xs:element name="password" type="xs:string"/>
          </xs:all>
        </xs:complexType>
      </xs:element>
      <xs:element name="RegisterUserResponse">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="userId" type="xs:long"/>
            <xs:element name="username" type="xs:string"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>{fault_schema}
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="RegisterUserRequest">
    <wsdl:part name="parameters" element="tns:RegisterUser"/>
  </wsdl:message>
  <wsdl:message name="RegisterUserResponse">
    <wsdl:part name="parameters" element="tns:RegisterUserResponse"/>
  </wsdl:message>
  <wsdl:message name="ServiceFault">
    <wsdl:part name="fault" element="tns:ServiceFault"/>
  </wsdl:message>
  <wsdl:portType name="UserRegistrationPortType">
    <wsdl:operation name="RegisterUser">
      <wsdl:input message="tns:RegisterUserRequest"/>
      <wsdl:output message="tns:RegisterUserResponse"/>
      <wsdl:fault name="ServiceFault" message="tns:ServiceFault"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="UserRegistrationSoapBinding" type="tns:UserRegistrationPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="RegisterUser">
      <soap:operation soapAction="urn:rust-lambda:users#RegisterUser" style="document"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
      <wsdl:fault name="ServiceFault"><soap:fault name="ServiceFault" use="literal"/></wsdl:fault>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="UserRegistrationService">
    <wsdl:port name="UserRegistrationPort" binding="tns:UserRegistrationSoapBinding">
      <soap:address location="{address}"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"#;

const LOOKUP_WSDL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="UserLookup"
    targetNamespace="urn:rust-lambda:users"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:http="http://schemas.xmlsoap.org/wsdl/http/"
    xmlns:mime="http://schemas.xmlsoap.org/wsdl/mime/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="urn:rust-lambda:users">
  <wsdl:documentation>User lookup by username. Two bindings of the same operation: SOAP 1.1 document/literal (POST a GetUser envelope) and HTTP GET ?username=, which answers the same SOAP envelope (GetUserResponse or a soap:Fault, 404 USER_NOT_FOUND for an unknown user).</wsdl:documentation>
  <wsdl:types>
    <xs:schema targetNamespace="urn:rust-lambda:users" elementFormDefault="qualified">
      <xs:element name="GetUser">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="username" type="xs:string"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
      <xs:element name="GetUserResponse">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="id" type="xs:long"/>
            <xs:element name="username" type="xs:string"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>{fault_schema}
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="GetUserRequest">
    <wsdl:part name="parameters" element="tns:GetUser"/>
  </wsdl:message>
  <wsdl:message name="GetUserResponse">
    <wsdl:part name="parameters" element="tns:GetUserResponse"/>
  </wsdl:message>
  <wsdl:message name="ServiceFault">
    <wsdl:part name="fault" element="tns:ServiceFault"/>
  </wsdl:message>
  <wsdl:message name="GetUserHttpGetIn">
    <wsdl:part name="username" type="xs:string"/>
  </wsdl:message>
  <wsdl:message name="GetUserHttpGetOut">
    <wsdl:documentation>a SOAP 1.1 envelope holding tns:GetUserResponse or a soap:Fault</wsdl:documentation>
    <wsdl:part name="envelope" type="xs:anyType"/>
  </wsdl:message>
  <wsdl:portType name="UserLookupPortType">
    <wsdl:operation name="GetUser">
      <wsdl:input message="tns:GetUserRequest"/>
      <wsdl:output message="tns:GetUserResponse"/>
      <wsdl:fault name="ServiceFault" message="tns:ServiceFault"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:portType name="UserLookupHttpGetPortType">
    <wsdl:operation name="GetUser">
      <wsdl:input message="tns:GetUserHttpGetIn"/>
      <wsdl:output message="tns:GetUserHttpGetOut"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="UserLookupSoapBinding" type="tns:UserLookupPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="GetUser">
      <soap:operation soapAction="urn:rust-lambda:users#GetUser" style="document"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
      <wsdl:fault name="ServiceFault"><soap:fault name="ServiceFault" use="literal"/></wsdl:fault>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:binding name="UserLookupHttpGetBinding" type="tns:UserLookupHttpGetPortType">
    <http:binding verb="GET"/>
    <wsdl:operation name="GetUser">
      <http:operation location=""/>
      <wsdl:input><http:urlEncoded/></wsdl:input>
      <wsdl:output><mime:content type="text/xml"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="UserLookupService">
    <wsdl:port name="UserLookupSoapPort" binding="tns:UserLookupSoapBinding">
      <soap:address location="{address}"/>
    </wsdl:port>
    <wsdl:port name="UserLookupHttpGetPort" binding="tns:UserLookupHttpGetBinding">
      <http:address location="{address}"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::soap::envelope::{USERS_NS, attribute_value};
    use crate::transport::soap::responses::CONTENT_TYPE;
    use crate::transport::soap::test_support::{req, text_of};
    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;
    use quick_xml::reader::NsReader;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn wsdl_query_detection() {
        let has = |uri: &str| wants_wsdl(&req("GET", uri, &[], ""));
        assert!(has("/register?wsdl") && has("/register?WSDL") && has("/register?wsdl=") && has("/user/soap?x=1&wsdl"));
        assert!(!has("/register") && !has("/register?wsdlx") && !has("/user/soap?username=wsdl"));
    }

    #[test]
    fn the_address_comes_from_host_stage_and_path() {
        let event = |stage: &str, proto: &str| {
            serde_json::json!({
                "version": "2.0", "routeKey": "GET /register", "rawPath": "/register", "rawQueryString": "wsdl",
                "headers": {"host": "api.example.com", "x-forwarded-proto": proto},
                "requestContext": {"domainName": "api.example.com", "stage": stage, "http": {"method": "GET", "path": "/register"}},
                "isBase64Encoded": false
            })
            .to_string()
        };
        let r = lambda_http::request::from_str(&event("prod", "https")).unwrap();
        assert_eq!(endpoint_address(&r), "https://api.example.com/prod/register");
        let r = lambda_http::request::from_str(&event("$default", "http")).unwrap();
        assert_eq!(endpoint_address(&r), "http://api.example.com/register");
        assert_eq!(endpoint_address(&req("GET", "/register?wsdl", &[], "")), "http://localhost/register");
        let local = req("GET", "http://127.0.0.1:9000/user/soap?wsdl", &[("host", "127.0.0.1:9000")], "");
        assert_eq!(endpoint_address(&local), "http://127.0.0.1:9000/user/soap");
        let proxied =
            req("GET", "/user/soap", &[("host", "127.0.0.1.example.com"), ("x-forwarded-proto", "https")], "");
        assert_eq!(endpoint_address(&proxied), "https://127.0.0.1.example.com/user/soap");
    }

    /// Checks a WSDL 1.1 document: well-formed, the expected root and target namespace, and every
    /// `tns:` reference (message, portType, binding, schema element) resolving to a definition.
    fn check_wsdl(xml: &str) -> BTreeSet<String> {
        const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";
        let mut reader = NsReader::from_str(xml);
        let mut defined: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        let mut refs: Vec<(&str, String)> = Vec::new();
        let mut root_seen = false;
        let mut addresses = BTreeSet::new();
        loop {
            let (ns, ev) = reader.read_resolved_event().expect("WSDL is well-formed");
            let ns = match ns {
                ResolveResult::Bound(n) => n.0.to_string(),
                _ => String::new(),
            };
            let start = match ev {
                Event::Start(s) | Event::Empty(s) => s,
                Event::DocType(_) => panic!("no DOCTYPE in a WSDL"),
                Event::Eof => break,
                _ => continue,
            };
            let local = start.local_name().as_ref().to_string();
            let attrs: BTreeMap<String, String> = start
                .attributes()
                .map(|a| a.unwrap())
                .map(|a| (a.key.as_ref().to_string(), attribute_value(&a).unwrap()))
                .collect();
            if !root_seen {
                root_seen = true;
                assert_eq!((ns.as_str(), local.as_str()), (WSDL_NS, "definitions"));
                assert_eq!(attrs["targetNamespace"], USERS_NS);
                assert_eq!(attrs["xmlns:tns"], USERS_NS);
            }
            let tns = |v: &str| v.strip_prefix("tns:").unwrap_or_else(|| panic!("{v} is not a tns: QName")).to_string();
            match (ns.as_str(), local.as_str()) {
                (WSDL_NS, "message") => {
                    defined.entry("message").or_default().insert(attrs["name"].clone());
                }
                (WSDL_NS, "portType") => {
                    defined.entry("portType").or_default().insert(attrs["name"].clone());
                }
                (WSDL_NS, "binding") => {
                    defined.entry("binding").or_default().insert(attrs["name"].clone());
                    refs.push(("portType", tns(&attrs["type"])));
                }
                (WSDL_NS, "input" | "output" | "fault") if attrs.contains_key("message") => {
                    refs.push(("message", tns(&attrs["message"])))
                }
                (WSDL_NS, "part") if attrs.contains_key("element") => refs.push(("element", tns(&attrs["element"]))),
                (WSDL_NS, "port") => refs.push(("binding", tns(&attrs["binding"]))),
                ("http://www.w3.org/2001/XMLSchema", "element") if attrs.contains_key("name") => {
                    defined.entry("element").or_default().insert(attrs["name"].clone());
                }
                ("http://schemas.xmlsoap.org/wsdl/soap/", "binding") => {
                    assert_eq!(attrs["style"], "document");
                    assert_eq!(attrs["transport"], "http://schemas.xmlsoap.org/soap/http");
                }
                ("http://schemas.xmlsoap.org/wsdl/soap/" | "http://schemas.xmlsoap.org/wsdl/http/", "address") => {
                    addresses.insert(attrs["location"].clone());
                }
                _ => {}
            }
        }
        for (kind, name) in refs {
            assert!(
                defined.get(kind).is_some_and(|d| d.contains(&name)),
                "{kind} tns:{name} is referenced but not defined"
            );
        }
        addresses
    }

    #[test]
    fn wsdl_documents_are_consistent_and_carry_the_address() {
        let addr = "https://api.example.com/prod/register?a=1&b=\"2\"";
        let doc = wsdl(Service::Registration, addr);
        assert_eq!(check_wsdl(&doc), BTreeSet::from([addr.to_string()]));
        assert!(doc.contains("soapAction=\"urn:rust-lambda:users#RegisterUser\""));
        assert!(doc.contains("name=\"RegisterUser\"") && doc.contains("name=\"RegisterUserResponse\""));

        let doc = wsdl(Service::Lookup, "https://api.example.com/user/soap");
        assert_eq!(check_wsdl(&doc), BTreeSet::from(["https://api.example.com/user/soap".to_string()]));
        assert!(doc.contains("name=\"GetUserResponse\"") && doc.contains("verb=\"GET\""));

        let resp = wsdl_response(Service::Lookup, &req("GET", "https://h.example/user/soap?wsdl", &[], ""));
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], CONTENT_TYPE);
        assert_eq!(check_wsdl(text_of(&resp)), BTreeSet::from(["https://h.example/user/soap".to_string()]));
    }
}
