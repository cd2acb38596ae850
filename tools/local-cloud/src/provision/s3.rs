//! Buckets on one S3 store: created when missing, with the template's bucket policy, lifecycle
//! rules and CORS rules. A store that does not implement lifecycle or CORS rules (SeaweedFS has
//! no lifecycle API) is reported, not an error: the bucket works without them.

use super::retry;
use crate::error::{Error, Result};
use crate::intrinsics::scalar_text;
use crate::stack::resources::Bucket;
use aws_sdk_s3::Client;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint, CorsConfiguration,
    CorsRule, CreateBucketConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
};
use serde_json::Value;

pub async fn bucket(s3: &Client, bucket: &Bucket, region: &str, endpoint: &str) -> Result<String> {
    let what = format!("S3 bucket {} at {endpoint}", bucket.name);
    let state = match retry(&what, || s3.head_bucket().bucket(&bucket.name).send()).await {
        Ok(_) => "exists ",
        Err(_) => {
            let mut create = s3.create_bucket().bucket(&bucket.name);
            // us-east-1 is the one region that takes no location constraint.
            if region != "us-east-1" {
                let location = CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region))
                    .build();
                create = create.create_bucket_configuration(location);
            }
            match retry(&what, || create.clone().send()).await {
                Ok(_) => "created",
                Err(e) if e.to_string().contains("BucketAlreadyOwnedByYou") => "exists ",
                Err(e) => return Err(e),
            }
        }
    };
    let mut notes = Vec::new();
    if let Some(policy) = &bucket.policy {
        retry(&what, || s3.put_bucket_policy().bucket(&bucket.name).policy(policy.to_string()).send()).await?;
        notes.push("policy".to_owned());
    }
    if let Some(lifecycle) = &bucket.lifecycle {
        let config = lifecycle_configuration(lifecycle).map_err(|e| Error::aws(&what, e))?;
        let put = s3.put_bucket_lifecycle_configuration().bucket(&bucket.name).lifecycle_configuration(config);
        notes.push(match retry(&what, || put.clone().send()).await {
            Ok(_) => "lifecycle rules".to_owned(),
            Err(e) => format!("no lifecycle rules on this store ({})", short(&e)),
        });
    }
    if let Some(cors) = &bucket.cors {
        let config = cors_configuration(cors).map_err(|e| Error::aws(&what, e))?;
        let put = s3.put_bucket_cors().bucket(&bucket.name).cors_configuration(config);
        notes.push(match retry(&what, || put.clone().send()).await {
            Ok(_) => "CORS rules".to_owned(),
            Err(e) => format!("no CORS rules on this store ({})", short(&e)),
        });
    }
    Ok(format!("  s3    {:<28} {state}  {} at {endpoint}", bucket.name, notes.join(", ")))
}

fn short(e: &Error) -> String {
    let text = e.to_string();
    text.chars().take(120).collect()
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|items| items.iter().filter_map(scalar_text).collect())
}

fn days(v: Option<&Value>) -> Result<Option<i32>, String> {
    v.map(|d| scalar_text(d).and_then(|s| s.parse().ok()).ok_or_else(|| format!("{d} is not a number of days")))
        .transpose()
}

/// CloudFormation's `LifecycleConfiguration` in S3's API form.
fn lifecycle_configuration(cfn: &Value) -> Result<BucketLifecycleConfiguration, String> {
    const KNOWN: &[&str] = &["Id", "Status", "Prefix", "ExpirationInDays", "AbortIncompleteMultipartUpload"];
    let mut rules = Vec::new();
    for rule in cfn.get("Rules").and_then(Value::as_array).into_iter().flatten() {
        if let Some(key) = rule.as_object().and_then(|r| r.keys().find(|k| !KNOWN.contains(&k.as_str()))) {
            return Err(format!("LifecycleConfiguration: the local cloud does not apply {key} (it applies {KNOWN:?})"));
        }
        let prefix = rule.get("Prefix").and_then(scalar_text).unwrap_or_default();
        let mut built = LifecycleRule::builder()
            .set_id(rule.get("Id").and_then(scalar_text))
            .status(ExpirationStatus::from(rule.get("Status").and_then(Value::as_str).unwrap_or("Enabled")))
            .filter(LifecycleRuleFilter::builder().prefix(prefix).build());
        if let Some(d) = days(rule.get("ExpirationInDays"))? {
            built = built.expiration(LifecycleExpiration::builder().days(d).build());
        }
        if let Some(d) = days(rule.pointer("/AbortIncompleteMultipartUpload/DaysAfterInitiation"))? {
            built = built.abort_incomplete_multipart_upload(
                AbortIncompleteMultipartUpload::builder().days_after_initiation(d).build(),
            );
        }
        rules.push(built.build().map_err(|e| e.to_string())?);
    }
    BucketLifecycleConfiguration::builder().set_rules(Some(rules)).build().map_err(|e| e.to_string())
}

/// CloudFormation's `CorsConfiguration` in S3's API form.
fn cors_configuration(cfn: &Value) -> Result<CorsConfiguration, String> {
    let mut rules = Vec::new();
    for rule in cfn.get("CorsRules").and_then(Value::as_array).into_iter().flatten() {
        let max_age = days(rule.get("MaxAge"))?;
        rules.push(
            CorsRule::builder()
                .set_id(rule.get("Id").and_then(scalar_text))
                .set_allowed_methods(strings(rule.get("AllowedMethods")))
                .set_allowed_origins(strings(rule.get("AllowedOrigins")))
                .set_allowed_headers(strings(rule.get("AllowedHeaders")))
                .set_expose_headers(strings(rule.get("ExposedHeaders")))
                .set_max_age_seconds(max_age)
                .build()
                .map_err(|e| e.to_string())?,
        );
    }
    CorsConfiguration::builder().set_cors_rules(Some(rules)).build().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cloudformation_rules_become_s3_rules() {
        let lifecycle = lifecycle_configuration(&json!({"Rules": [{
            "Id": "expire-abandoned-uploads", "Status": "Enabled", "Prefix": "uploads/", "ExpirationInDays": 1,
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}
        }]}))
        .unwrap();
        let rule = &lifecycle.rules()[0];
        assert_eq!(rule.filter().and_then(|f| f.prefix()), Some("uploads/"));
        assert_eq!(rule.expiration().and_then(|e| e.days()), Some(1));
        assert_eq!(rule.abort_incomplete_multipart_upload().and_then(|a| a.days_after_initiation()), Some(1));
        assert!(
            lifecycle_configuration(&json!({"Rules": [{"Status": "Enabled", "Transitions": []}]}))
                .unwrap_err()
                .contains("Transitions")
        );

        let cors = cors_configuration(&json!({"CorsRules": [{
            "AllowedMethods": ["PUT"], "AllowedOrigins": ["*"], "AllowedHeaders": ["content-type"], "MaxAge": 3600
        }]}))
        .unwrap();
        assert_eq!(cors.cors_rules()[0].allowed_methods(), ["PUT"]);
        assert_eq!(cors.cors_rules()[0].max_age_seconds(), Some(3600));
    }
}
