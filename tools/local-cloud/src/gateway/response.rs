//! A function's answer as API Gateway's HTTP API (payload format 2.0) sends it to the client.

use crate::http::{Reply, message, reply};
use crate::runtime::Outcome;
use hyper::StatusCode;
use hyper::header::{HeaderName, HeaderValue, SET_COOKIE};
use runtime_api::apigw::HttpResponse;

/// Headers the gateway owns: what the function says about them is not passed on.
const GATEWAY_HEADERS: &[&str] =
    &["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "apigw-requestid"];

/// The client's answer for an invocation's outcome: the function's HTTP response, or API
/// Gateway's 500 when the function failed or answered something that is not a response.
pub fn to_client(outcome: &Outcome) -> Result<Reply, &'static str> {
    let Outcome::Response(raw) = outcome else {
        return Err("function error");
    };
    let answer = HttpResponse::from_lambda(raw).map_err(|_| "malformed Lambda response")?;
    let status = StatusCode::from_u16(answer.status).map_err(|_| "malformed Lambda response")?;
    if !(100..=599).contains(&answer.status) {
        return Err("malformed Lambda response");
    }
    let content_type = answer.headers.get("content-type").cloned();
    let mut resp = reply(status, content_type.as_deref().unwrap_or(""), answer.body);
    if content_type.is_none() {
        resp.headers_mut().remove(hyper::header::CONTENT_TYPE);
    }
    for (name, value) in &answer.headers {
        if GATEWAY_HEADERS.contains(&name.as_str()) || name == "content-type" {
            continue;
        }
        let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str())) else {
            return Err("malformed Lambda response");
        };
        resp.headers_mut().append(name, value);
    }
    for cookie in &answer.cookies {
        let value = HeaderValue::try_from(cookie.as_str()).map_err(|_| "malformed Lambda response")?;
        resp.headers_mut().append(SET_COOKIE, value);
    }
    Ok(resp)
}

/// API Gateway's answer when the integration failed.
pub fn internal_server_error() -> Reply {
    message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http_body_util::BodyExt;

    async fn body(r: Reply) -> String {
        String::from_utf8(r.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
    }

    fn response(raw: &str) -> Result<Reply, &'static str> {
        to_client(&Outcome::Response(Bytes::from(raw.to_owned())))
    }

    #[tokio::test]
    async fn payload_2_0_responses() {
        let r = response(
            r#"{"statusCode":201,"headers":{"Content-Type":"text/plain","X-A":"1","Content-Length":"999"},
                "multiValueHeaders":{"x-b":["1","2"]},"cookies":["a=1; Path=/","b=2"],"body":"aGk=","isBase64Encoded":true}"#,
        )
        .unwrap();
        assert_eq!(r.status(), 201);
        let h = r.headers().clone();
        assert_eq!(h["content-type"], "text/plain");
        assert_eq!(h["x-a"], "1");
        assert_eq!(h["x-b"], "1,2");
        assert!(h.get("content-length").is_none(), "the gateway computes it");
        let cookies: Vec<_> = h.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        assert_eq!(cookies, ["a=1; Path=/", "b=2"]);
        assert_eq!(body(r).await, "hi");
    }

    #[tokio::test]
    async fn a_bare_json_value_is_a_200_json_body() {
        let r = response(r#"{"hello":"world"}"#).unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(body(r).await, r#"{"hello":"world"}"#);
        assert_eq!(body(response(r#""text""#).unwrap()).await, r#""text""#);
    }

    #[tokio::test]
    async fn failures_are_500s() {
        assert!(to_client(&Outcome::error("Sandbox.Timedout", "x")).is_err());
        for bad in ["not json", r#"{"statusCode":"200"}"#, r#"{"statusCode":99}"#, r#"{"statusCode":200,"body":{}}"#] {
            assert!(response(bad).is_err(), "{bad}");
        }
        let r = internal_server_error();
        assert_eq!(r.status(), 500);
        assert_eq!(body(r).await, r#"{"message":"Internal Server Error"}"#);
    }
}
