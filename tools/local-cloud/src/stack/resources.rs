//! The template's queues, tables and buckets with their local names and resolved properties:
//! what provisioning creates. A property the local cloud does not apply is either on a short
//! list of known ones (encryption, tags, backups: nothing to emulate on a loopback machine) or
//! an error, so that a template change is never silently ignored.

use super::resolver::Resolver;
use crate::error::Problem;
use crate::intrinsics::{self, scalar_text};
use crate::template::Resource;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct Queue {
    pub logical_id: String,
    pub name: String,
    pub url: String,
    pub arn: String,
    /// SQS attributes (`SetQueueAttributes` names and string values).
    pub attributes: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub logical_id: String,
    pub name: String,
    pub arn: String,
    pub spec: TableSpec,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TableSpec {
    pub attribute_definitions: Vec<AttributeDefinition>,
    pub key_schema: Vec<KeyElement>,
    pub billing_mode: Option<String>,
    pub provisioned_throughput: Option<Throughput>,
    pub global_secondary_indexes: Option<Vec<SecondaryIndex>>,
    pub local_secondary_indexes: Option<Vec<SecondaryIndex>>,
    pub time_to_live_specification: Option<TimeToLive>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AttributeDefinition {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct KeyElement {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Throughput {
    #[serde(deserialize_with = "number")]
    pub read_capacity_units: i64,
    #[serde(deserialize_with = "number")]
    pub write_capacity_units: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SecondaryIndex {
    pub index_name: String,
    pub key_schema: Vec<KeyElement>,
    pub projection: Projection,
    pub provisioned_throughput: Option<Throughput>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Projection {
    pub projection_type: Option<String>,
    pub non_key_attributes: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TimeToLive {
    pub attribute_name: Option<String>,
    #[serde(deserialize_with = "boolean")]
    pub enabled: bool,
}

#[derive(Debug, Clone)]
pub struct Bucket {
    pub logical_id: String,
    pub name: String,
    pub arn: String,
    /// The bucket policy (`AWS::S3::BucketPolicy` of this bucket), as applied locally.
    pub policy: Option<Value>,
    /// `LifecycleConfiguration` as CloudFormation writes it.
    pub lifecycle: Option<Value>,
    /// `CorsConfiguration` as CloudFormation writes it.
    pub cors: Option<Value>,
}

/// Properties with nothing to emulate locally (encryption at rest, tags, backups, ownership
/// and access-block settings of AWS accounts).
const QUEUE_SKIPPED: &[&str] =
    &["QueueName", "SqsManagedSseEnabled", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "Tags"];
const TABLE_SKIPPED: &[&str] = &[
    "TableName",
    "SSESpecification",
    "PointInTimeRecoverySpecification",
    "StreamSpecification",
    "Tags",
    "DeletionProtectionEnabled",
    "TableClass",
    "ContributorInsightsSpecification",
];
const BUCKET_SKIPPED: &[&str] = &[
    "BucketName",
    "OwnershipControls",
    "PublicAccessBlockConfiguration",
    "BucketEncryption",
    "VersioningConfiguration",
    "Tags",
];

/// The resolved `Properties` without the skipped keys; an unknown key is a problem.
fn properties(
    r: &Resource<'_>,
    resolver: &Resolver<'_>,
    skipped: &[&str],
    applied: &[&str],
) -> Result<Map<String, Value>, Problem> {
    let at = format!("Resources.{}.Properties", r.logical_id);
    let raw = r.body.get("Properties").cloned().unwrap_or(Value::Object(Map::new()));
    let Value::Object(mut props) = intrinsics::resolve_value(&raw, &at, resolver)? else {
        return Err(Problem::new(at, "not a mapping"));
    };
    props.retain(|key, _| !skipped.contains(&key.as_str()));
    if let Some(key) = props.keys().find(|k| !applied.contains(&k.as_str())) {
        return Err(Problem::new(
            format!("{at}.{key}"),
            format!("the local cloud does not apply {key} to a {} (tools/local-cloud/src/stack/resources.rs)", r.ty),
        ));
    }
    Ok(props)
}

pub fn queue(r: &Resource<'_>, resolver: &Resolver<'_>) -> Result<Queue, Problem> {
    const APPLIED: &[&str] = &[
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
        "RedrivePolicy",
        "RedriveAllowPolicy",
        "FifoQueue",
        "ContentBasedDeduplication",
        "DeduplicationScope",
        "FifoThroughputLimit",
    ];
    let props = properties(r, resolver, QUEUE_SKIPPED, APPLIED)?;
    let mut attributes = BTreeMap::new();
    for (key, value) in props {
        let text = match &value {
            // SQS takes these policies as JSON documents in a string attribute.
            Value::Object(_) => value.to_string(),
            v => scalar_text(v).ok_or_else(|| Problem::new(r.at(&key), "expected a string, number or boolean"))?,
        };
        attributes.insert(key, text);
    }
    let name = resolver.physical_name(r.logical_id)?;
    Ok(Queue {
        logical_id: r.logical_id.to_owned(),
        url: resolver.queue_url(&name),
        arn: resolver.arn("sqs", &name),
        name,
        attributes,
    })
}

pub fn table(r: &Resource<'_>, resolver: &Resolver<'_>) -> Result<Table, Problem> {
    const APPLIED: &[&str] = &[
        "AttributeDefinitions",
        "KeySchema",
        "BillingMode",
        "ProvisionedThroughput",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "TimeToLiveSpecification",
    ];
    let props = properties(r, resolver, TABLE_SKIPPED, APPLIED)?;
    let spec: TableSpec = serde_json::from_value(Value::Object(props))
        .map_err(|e| Problem::new(format!("Resources.{}.Properties", r.logical_id), e.to_string()))?;
    let name = resolver.physical_name(r.logical_id)?;
    Ok(Table {
        logical_id: r.logical_id.to_owned(),
        arn: resolver.arn("dynamodb", &format!("table/{name}")),
        name,
        spec,
    })
}

/// A bucket and its policy. `policies` are the template's `AWS::S3::BucketPolicy` resources.
pub fn bucket(r: &Resource<'_>, resolver: &Resolver<'_>, policies: &[Resource<'_>]) -> Result<Bucket, Problem> {
    let mut props = properties(r, resolver, BUCKET_SKIPPED, &["LifecycleConfiguration", "CorsConfiguration"])?;
    let name = resolver.physical_name(r.logical_id)?;
    let mut policy = None;
    for p in policies {
        if !resolver.exists(p)? {
            continue;
        }
        let bucket = intrinsics::resolve_text(p.property("Bucket"), &p.at("Bucket"), resolver)?;
        if bucket == name {
            let document = intrinsics::resolve_value(p.property("PolicyDocument"), &p.at("PolicyDocument"), resolver)?;
            policy = Some(without_secure_transport_denials(document));
        }
    }
    Ok(Bucket {
        logical_id: r.logical_id.to_owned(),
        arn: format!("arn:aws:s3:::{name}"),
        name,
        policy,
        lifecycle: props.remove("LifecycleConfiguration"),
        cors: props.remove("CorsConfiguration"),
    })
}

/// The HTTP API's own settings. Throttling and descriptions change nothing a function sees; an
/// authorizer, CORS or a custom domain would, and the local gateway has none of them.
pub fn http_api(r: &Resource<'_>) -> Result<(), Problem> {
    const IGNORED: &[&str] =
        &["Description", "DefaultRouteSettings", "RouteSettings", "StageName", "Tags", "FailOnWarnings"];
    let props = r.body.get("Properties").and_then(Value::as_object);
    match props.and_then(|p| p.keys().find(|k| !IGNORED.contains(&k.as_str()))) {
        Some(key) => Err(Problem::new(
            r.at(key),
            format!(
                "the local gateway does not apply {key}; of an HTTP API's settings it accepts only {IGNORED:?}, which change nothing a function sees"
            ),
        )),
        None => Ok(()),
    }
}

/// The local stores speak plain HTTP on the loopback interface: a statement denying requests
/// without TLS (`aws:SecureTransport` false) would deny every request there, the functions' own
/// included. Every other statement is kept.
fn without_secure_transport_denials(mut document: Value) -> Value {
    let denies_plain_http = |statement: &Value| {
        statement.get("Effect").and_then(Value::as_str) == Some("Deny")
            && statement
                .pointer("/Condition/Bool/aws:SecureTransport")
                .and_then(scalar_text)
                .is_some_and(|v| v.eq_ignore_ascii_case("false"))
    };
    if let Some(statements) = document.get_mut("Statement").and_then(Value::as_array_mut) {
        statements.retain(|s| !denies_plain_http(s));
    }
    document
}

fn number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = Value::deserialize(d)?;
    scalar_text(&v).and_then(|s| s.parse().ok()).ok_or_else(|| serde::de::Error::custom("expected a whole number"))
}

fn boolean<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let v = Value::deserialize(d)?;
    match scalar_text(&v).as_deref() {
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        _ => Err(serde::de::Error::custom("expected true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn insecure_transport_denials_are_dropped_and_the_rest_kept() {
        let policy = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "PublicReadImages", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/images/*"},
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": ["arn:aws:s3:::b"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "Other", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::b"}
        ]});
        let kept = without_secure_transport_denials(policy);
        let sids: Vec<&str> =
            kept["Statement"].as_array().unwrap().iter().map(|s| s["Sid"].as_str().unwrap()).collect();
        assert_eq!(sids, ["PublicReadImages", "Other"]);
    }

    #[test]
    fn table_specs_read_cloudformation_shapes() {
        let spec: TableSpec = serde_json::from_value(json!({
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": "true"},
            "GlobalSecondaryIndexes": [{"IndexName": "byX", "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}],
                                        "Projection": {"ProjectionType": "ALL"},
                                        "ProvisionedThroughput": {"ReadCapacityUnits": "5", "WriteCapacityUnits": 5}}]
        }))
        .unwrap();
        assert!(spec.time_to_live_specification.unwrap().enabled);
        assert_eq!(
            spec.global_secondary_indexes.unwrap()[0].provisioned_throughput.as_ref().unwrap().read_capacity_units,
            5
        );
        let bad =
            serde_json::from_value::<TableSpec>(json!({"AttributeDefinitions": [], "KeySchema": [], "Unknown": 1}));
        assert!(bad.unwrap_err().to_string().contains("Unknown"));
    }
}
