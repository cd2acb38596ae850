//! What Lambda's SQS poller does with a batch once the function has answered: which messages it
//! deletes. Pure functions, no I/O, so every rule is unit-tested.
//!
//! Rules (AWS docs, "Handling errors for an SQS event source in Lambda" / "Reporting batch item failures"):
//! - Function error -> delete nothing; the whole batch becomes visible again after the visibility
//!   timeout and the queue's redrive policy moves a message to its DLQ after `maxReceiveCount` receives.
//!   The local cloud invokes in-process and reports a function error as Lambda's Invoke API does,
//!   with `X-Amz-Function-Error` (see `poller.rs`); the other two forms below are how other local
//!   Invoke APIs report one, and count as function errors too:
//!   * an `X-Amz-Function-Error` header (status 200);
//!   * a non-2xx status (`cargo lambda watch` answers 500 with the runtime's error document, and 404
//!     for an unknown function);
//!   * a 2xx whose body is a bare Lambda error document (`errorType` + `errorMessage`, nothing else),
//!     as `cargo lambda watch` relays an init error.
//! - Success without ReportBatchItemFailures -> delete every message (the body is ignored).
//! - Success with ReportBatchItemFailures:
//!   * `null`, an empty body, `{}`, `{"batchItemFailures": null}` or `[]` -> complete success, delete all;
//!   * `{"batchItemFailures":[{"itemIdentifier":"<messageId>"},…]}` -> delete all but those messages;
//!   * anything else (invalid JSON, not an object, `batchItemFailures` not a list, an entry without a
//!     string `itemIdentifier`, an empty identifier, or an identifier that is not a messageId of this
//!     batch) -> treated as a complete failure: delete nothing.

use serde_json::Value;
use std::collections::BTreeSet;

/// One message of the batch as far as the decision is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchEntry {
    pub message_id: String,
    pub receipt_handle: String,
}

/// The invocation's answer, as an Invoke API reports it.
#[derive(Debug, Clone, Default)]
pub struct InvokeResponse {
    pub status: u16,
    /// Value of the `X-Amz-Function-Error` header, if any.
    pub function_error: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every message processed.
    Success,
    /// The function reported these message ids as failed; the others are deleted.
    PartialFailure { failed: Vec<String> },
    /// The function failed (error status / header / error document): nothing deleted.
    FunctionError { reason: String },
    /// The function succeeded but its batch response is unusable: nothing deleted.
    InvalidResponse { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    /// Receipt handles to delete, in batch order.
    pub delete: Vec<String>,
}

impl Decision {
    /// Number of messages that stay on the queue.
    pub fn retained(&self, batch_len: usize) -> usize {
        batch_len - self.delete.len()
    }
}

/// The whole rule set: the function's response -> the receipt handles to delete.
pub fn decide(batch: &[BatchEntry], response: &InvokeResponse, report_batch_item_failures: bool) -> Decision {
    if let Some(reason) = function_error(response) {
        return Decision { verdict: Verdict::FunctionError { reason }, delete: Vec::new() };
    }
    if !report_batch_item_failures {
        return delete_all(batch);
    }
    let ids: BTreeSet<&str> = batch.iter().map(|e| e.message_id.as_str()).collect();
    match parse_batch_item_failures(&response.body, &ids) {
        Err(reason) => Decision { verdict: Verdict::InvalidResponse { reason }, delete: Vec::new() },
        Ok(failed) if failed.is_empty() => delete_all(batch),
        Ok(failed) => {
            let delete =
                batch.iter().filter(|e| !failed.contains(&e.message_id)).map(|e| e.receipt_handle.clone()).collect();
            Decision { verdict: Verdict::PartialFailure { failed: failed.into_iter().collect() }, delete }
        }
    }
}

fn delete_all(batch: &[BatchEntry]) -> Decision {
    Decision { verdict: Verdict::Success, delete: batch.iter().map(|e| e.receipt_handle.clone()).collect() }
}

/// `Some(reason)` when the response means the invocation failed.
pub fn function_error(response: &InvokeResponse) -> Option<String> {
    let summary = error_summary(&response.body);
    if let Some(kind) = &response.function_error {
        return Some(format!("X-Amz-Function-Error: {kind}{summary}"));
    }
    if !(200..300).contains(&response.status) {
        return Some(format!("invoke returned HTTP {}{summary}", response.status));
    }
    if is_lambda_error_document(&response.body) {
        return Some(format!("function returned a Lambda error document (an init error?){summary}"));
    }
    None
}

/// `{"errorType": "...", "errorMessage": "...", ["stackTrace": ...]}` and nothing else.
fn is_lambda_error_document(body: &[u8]) -> bool {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    map.get("errorType").is_some_and(Value::is_string)
        && map.get("errorMessage").is_some_and(Value::is_string)
        && map.keys().all(|k| matches!(k.as_str(), "errorType" | "errorMessage" | "stackTrace"))
}

/// `": <errorType>: <errorMessage>"` (or the start of the body) for log messages.
fn error_summary(body: &[u8]) -> String {
    if body.is_empty() {
        return String::new();
    }
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
        let field = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_owned);
        let t = field("errorType").or_else(|| field("title"));
        let m = field("errorMessage").or_else(|| field("detail"));
        if t.is_some() || m.is_some() {
            return format!(": {}: {}", t.unwrap_or_default(), m.unwrap_or_default());
        }
    }
    let text = String::from_utf8_lossy(body);
    let short: String = text.chars().take(300).collect();
    format!(": {short}")
}

/// Failed message ids reported by a successful invocation (empty = complete success).
pub fn parse_batch_item_failures(body: &[u8], batch_ids: &BTreeSet<&str>) -> Result<BTreeSet<String>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(BTreeSet::new());
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("response is not JSON: {e}"))?;
    let failures = match value {
        Value::Null => return Ok(BTreeSet::new()),
        Value::Object(mut map) => match map.remove("batchItemFailures") {
            None | Some(Value::Null) => return Ok(BTreeSet::new()),
            Some(Value::Array(items)) => items,
            Some(other) => return Err(format!("batchItemFailures is not a list: {other}")),
        },
        other => return Err(format!("response is not an object: {other}")),
    };
    let mut failed = BTreeSet::new();
    for item in failures {
        let id = match item.get("itemIdentifier") {
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            Some(Value::String(_)) => return Err("empty itemIdentifier".into()),
            Some(other) => return Err(format!("itemIdentifier is not a string: {other}")),
            None => return Err(format!("batch item failure without itemIdentifier: {item}")),
        };
        if !batch_ids.contains(id.as_str()) {
            return Err(format!("itemIdentifier {id:?} is not a messageId of this batch"));
        }
        failed.insert(id);
    }
    Ok(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> Vec<BatchEntry> {
        ["m1", "m2", "m3"]
            .iter()
            .map(|id| BatchEntry { message_id: id.to_string(), receipt_handle: format!("rh-{id}") })
            .collect()
    }

    fn ok(body: &str) -> InvokeResponse {
        InvokeResponse { status: 200, function_error: None, body: body.as_bytes().to_vec() }
    }

    fn all() -> Vec<String> {
        vec!["rh-m1".into(), "rh-m2".into(), "rh-m3".into()]
    }

    #[test]
    fn partial_failure_deletes_all_but_the_failed() {
        let d = decide(&batch(), &ok(r#"{"batchItemFailures":[{"itemIdentifier":"m2"}]}"#), true);
        assert_eq!(d.delete, vec!["rh-m1".to_string(), "rh-m3".to_string()]);
        assert_eq!(d.verdict, Verdict::PartialFailure { failed: vec!["m2".into()] });
        assert_eq!(d.retained(3), 1);
    }

    #[test]
    fn every_message_failed_deletes_nothing() {
        let body = r#"{"batchItemFailures":[{"itemIdentifier":"m1"},{"itemIdentifier":"m2"},{"itemIdentifier":"m3"},{"itemIdentifier":"m3"}]}"#;
        let d = decide(&batch(), &ok(body), true);
        assert!(d.delete.is_empty());
        assert!(matches!(d.verdict, Verdict::PartialFailure { ref failed } if failed.len() == 3));
    }

    #[test]
    fn empty_or_absent_failure_list_deletes_all() {
        for body in
            [r#"{"batchItemFailures":[]}"#, r#"{"batchItemFailures":null}"#, "{}", "null", "", "  \n", r#"{"other":1}"#]
        {
            let d = decide(&batch(), &ok(body), true);
            assert_eq!(d.verdict, Verdict::Success, "body {body:?}");
            assert_eq!(d.delete, all(), "body {body:?}");
        }
    }

    #[test]
    fn function_error_status_deletes_nothing() {
        // What `cargo lambda watch` 1.9.2 answers when the handler returns Err or panics.
        let resp = InvokeResponse {
            status: 500,
            function_error: None,
            body: br#"{"errorType":"&str","errorMessage":"boom"}"#.to_vec(),
        };
        for report in [true, false] {
            let d = decide(&batch(), &resp, report);
            assert!(d.delete.is_empty());
            let Verdict::FunctionError { reason } = d.verdict else { panic!("not a function error") };
            assert!(reason.contains("HTTP 500") && reason.contains("boom"), "{reason}");
        }
    }

    #[test]
    fn missing_function_deletes_nothing() {
        let resp = InvokeResponse {
            status: 404,
            function_error: None,
            body: br#"{"title":"Missing function","detail":"that function doesn't exist"}"#.to_vec(),
        };
        let d = decide(&batch(), &resp, false);
        assert!(d.delete.is_empty());
        assert!(matches!(d.verdict, Verdict::FunctionError { ref reason } if reason.contains("Missing function")));
    }

    #[test]
    fn function_error_header_deletes_nothing_even_with_status_200() {
        // The real Lambda Invoke API: 200 + X-Amz-Function-Error: Unhandled.
        let resp = InvokeResponse {
            status: 200,
            function_error: Some("Unhandled".into()),
            body: br#"{"batchItemFailures":[]}"#.to_vec(),
        };
        for report in [true, false] {
            let d = decide(&batch(), &resp, report);
            assert!(d.delete.is_empty());
            assert!(matches!(d.verdict, Verdict::FunctionError { ref reason } if reason.contains("Unhandled")));
        }
    }

    #[test]
    fn init_error_relayed_with_status_200_deletes_nothing() {
        // `cargo lambda watch` 1.9.2 relays /runtime/init/error with status 200.
        let d = decide(&batch(), &ok(r#"{"errorType":"Runtime.InitError","errorMessage":"no config"}"#), false);
        assert!(d.delete.is_empty());
        assert!(matches!(d.verdict, Verdict::FunctionError { .. }));
    }

    #[test]
    fn invalid_batch_responses_delete_nothing() {
        let cases = [
            ("not json", "not JSON"),
            (r#""ok""#, "not an object"),
            ("[]", "not an object"),
            (r#"{"batchItemFailures":{"itemIdentifier":"m1"}}"#, "not a list"),
            (r#"{"batchItemFailures":[{"itemIdentifier":"nope"}]}"#, "not a messageId of this batch"),
            (r#"{"batchItemFailures":[{"itemIdentifier":"m1"},{"itemIdentifier":"nope"}]}"#, "not a messageId"),
            (r#"{"batchItemFailures":[{"itemIdentifier":""}]}"#, "empty itemIdentifier"),
            (r#"{"batchItemFailures":[{"itemIdentifier":null}]}"#, "not a string"),
            (r#"{"batchItemFailures":[{"itemIdentifier":1}]}"#, "not a string"),
            (r#"{"batchItemFailures":[{"ItemIdentifier":"m1"}]}"#, "without itemIdentifier"),
        ];
        for (body, needle) in cases {
            let d = decide(&batch(), &ok(body), true);
            assert!(d.delete.is_empty(), "body {body:?} deleted {:?}", d.delete);
            let Verdict::InvalidResponse { reason } = d.verdict else { panic!("body {body:?}: {:?}", d.verdict) };
            assert!(reason.contains(needle), "body {body:?}: {reason:?} lacks {needle:?}");
        }
    }

    #[test]
    fn without_report_batch_item_failures_any_success_deletes_all() {
        for body in [r#"{"batchItemFailures":[{"itemIdentifier":"m2"}]}"#, "garbage", "null", ""] {
            let d = decide(&batch(), &ok(body), false);
            assert_eq!(d.verdict, Verdict::Success, "body {body:?}");
            assert_eq!(d.delete, all());
        }
    }

    #[test]
    fn a_handler_result_that_merely_contains_error_fields_is_not_an_error() {
        let d = decide(&batch(), &ok(r#"{"errorType":"x","errorMessage":"y","batchItemFailures":[]}"#), true);
        assert_eq!(d.verdict, Verdict::Success);
    }

    #[test]
    fn duplicate_message_ids_in_one_batch_are_all_retained_when_failed() {
        let mut b = batch();
        b.push(BatchEntry { message_id: "m2".into(), receipt_handle: "rh-m2-again".into() });
        let d = decide(&b, &ok(r#"{"batchItemFailures":[{"itemIdentifier":"m2"}]}"#), true);
        assert_eq!(d.delete, vec!["rh-m1".to_string(), "rh-m3".to_string()]);
    }

    #[test]
    fn other_2xx_statuses_count_as_success() {
        let resp = InvokeResponse { status: 202, function_error: None, body: Vec::new() };
        assert_eq!(decide(&batch(), &resp, true).delete, all());
    }
}
