//! SQS `ReceiveMessage` results -> the event Lambda hands to the function (aws_lambda_events `SqsEvent`).
//!
//! Shape produced (same keys as Lambda's):
//! `{"Records":[{"messageId","receiptHandle","body","attributes":{"ApproximateReceiveCount","SentTimestamp",
//! "SenderId","ApproximateFirstReceiveTimestamp",…},"messageAttributes":{"name":{"stringValue","binaryValue",
//! "stringListValues","binaryListValues","dataType"}},"md5OfBody","md5OfMessageAttributes","eventSource":"aws:sqs",
//! "eventSourceARN","awsRegion"}]}`

use super::decision::BatchEntry;
use aws_lambda_events::encodings::Base64Data;
use aws_lambda_events::sqs::{SqsEvent, SqsMessage, SqsMessageAttribute};
use aws_sdk_sqs::types::{Message, MessageAttributeValue};

/// Where the messages came from (filled into every record).
#[derive(Debug, Clone)]
pub struct Source {
    pub queue_arn: String,
    pub region: String,
}

/// Builds the Lambda event. Messages without messageId or receiptHandle (never returned by SQS) are
/// left out: they could be neither reported nor deleted.
pub fn build_event(messages: &[Message], source: &Source) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages
        .iter()
        .filter(|m| m.message_id.is_some() && m.receipt_handle.is_some())
        .map(|m| record(m, source))
        .collect();
    event
}

fn record(m: &Message, source: &Source) -> SqsMessage {
    let mut r = SqsMessage::default();
    r.message_id = m.message_id.clone();
    r.receipt_handle = m.receipt_handle.clone();
    r.body = m.body.clone();
    r.md5_of_body = m.md5_of_body.clone();
    r.md5_of_message_attributes = m.md5_of_message_attributes.clone();
    r.attributes = m.attributes.iter().flatten().map(|(k, v)| (k.as_str().to_owned(), v.clone())).collect();
    r.message_attributes = m.message_attributes.iter().flatten().map(|(k, v)| (k.clone(), attribute(v))).collect();
    r.event_source = Some("aws:sqs".into());
    r.event_source_arn = Some(source.queue_arn.clone());
    r.aws_region = Some(source.region.clone());
    r
}

fn attribute(v: &MessageAttributeValue) -> SqsMessageAttribute {
    let mut a = SqsMessageAttribute::default();
    a.string_value = v.string_value.clone();
    a.binary_value = v.binary_value.as_ref().map(|b| base64_data(b.as_ref()));
    a.string_list_values = v.string_list_values.clone().unwrap_or_default();
    a.binary_list_values = v.binary_list_values.iter().flatten().map(|b| base64_data(b.as_ref())).collect();
    a.data_type = Some(v.data_type.clone());
    a
}

fn base64_data(bytes: &[u8]) -> Base64Data {
    // `Base64Data` is #[non_exhaustive]: build it through Default + its public field.
    let mut data = Base64Data::default();
    data.0 = bytes.to_vec();
    data
}

/// The (messageId, receiptHandle) pairs of the records actually sent to the function.
pub fn entries(event: &SqsEvent) -> Vec<BatchEntry> {
    event
        .records
        .iter()
        .map(|r| BatchEntry {
            message_id: r.message_id.clone().unwrap_or_default(),
            receipt_handle: r.receipt_handle.clone().unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sqs::primitives::Blob;
    use aws_sdk_sqs::types::MessageSystemAttributeName as A;
    use serde_json::{Value, json};

    fn message() -> Message {
        Message::builder()
            .message_id("059f36b4-87a3-44ab-83d2-661975830a7d")
            .receipt_handle("AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a")
            .body(r#"{"id":"1","type":"UserLoggedIn"}"#)
            .md5_of_body("e4e68fb7bd0e697a0ae8f1bb342846b3")
            .attributes(A::ApproximateReceiveCount, "1")
            .attributes(A::SentTimestamp, "1545082649183")
            .attributes(A::SenderId, "AIDAIENQZJOLO23YVJ4VO")
            .attributes(A::ApproximateFirstReceiveTimestamp, "1545082649185")
            .message_attributes(
                "traceparent",
                MessageAttributeValue::builder().data_type("String").string_value("00-abc-01").build().unwrap(),
            )
            .message_attributes(
                "blob",
                MessageAttributeValue::builder()
                    .data_type("Binary")
                    .binary_value(Blob::new(b"hi".to_vec()))
                    .build()
                    .unwrap(),
            )
            .build()
    }

    fn source() -> Source {
        Source { queue_arn: "arn:aws:sqs:us-east-1:000000000000:auth-events".into(), region: "us-east-1".into() }
    }

    #[test]
    fn record_has_lambdas_shape() {
        let event = build_event(&[message()], &source());
        let v = serde_json::to_value(&event).unwrap();
        let r = &v["Records"][0];
        assert_eq!(r["messageId"], "059f36b4-87a3-44ab-83d2-661975830a7d");
        assert_eq!(r["receiptHandle"], "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a");
        assert_eq!(r["body"], r#"{"id":"1","type":"UserLoggedIn"}"#);
        assert_eq!(r["md5OfBody"], "e4e68fb7bd0e697a0ae8f1bb342846b3");
        assert_eq!(r["eventSource"], "aws:sqs");
        assert_eq!(r["eventSourceARN"], "arn:aws:sqs:us-east-1:000000000000:auth-events");
        assert_eq!(r["awsRegion"], "us-east-1");
        assert_eq!(
            r["attributes"],
            json!({
                "ApproximateReceiveCount": "1",
                "SentTimestamp": "1545082649183",
                "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                "ApproximateFirstReceiveTimestamp": "1545082649185"
            })
        );
        assert_eq!(r["messageAttributes"]["traceparent"]["stringValue"], "00-abc-01");
        assert_eq!(r["messageAttributes"]["traceparent"]["dataType"], "String");
        assert_eq!(r["messageAttributes"]["traceparent"]["stringListValues"], json!([]));
        assert_eq!(r["messageAttributes"]["blob"]["binaryValue"], "aGk=");
        // Round-trips through the type the functions deserialize.
        let back: SqsEvent = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back, event);
        assert!(matches!(v["Records"], Value::Array(ref a) if a.len() == 1));
    }

    #[test]
    fn entries_follow_record_order_and_skip_unusable_messages() {
        let second = Message::builder().message_id("m2").receipt_handle("rh2").body("x").build();
        let broken = Message::builder().body("no id").build();
        let event = build_event(&[message(), broken, second], &source());
        let e = entries(&event);
        assert_eq!(e.len(), 2);
        assert_eq!(e[1], BatchEntry { message_id: "m2".into(), receipt_handle: "rh2".into() });
    }
}
