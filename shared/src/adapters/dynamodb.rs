//! Amazon DynamoDB: the token store (what Redis was in the bookstore auth service). One item per access token,
//! keyed by its `jti`, expiring through DynamoDB's TTL at the token's own expiry.

use crate::domain::error::{AppError, Dependency};
use aws_sdk_dynamodb::types::AttributeValue;

#[derive(Clone)]
pub struct DynamoTokens {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

/// Health probe of a table: it exists and answers, with its status.
async fn ping_table(client: &aws_sdk_dynamodb::Client, table: &str) -> Result<Option<serde_json::Value>, AppError> {
    let out = client.describe_table().table_name(table).send().await.map_err(dynamo_error)?;
    let status = out.table().and_then(|t| t.table_status()).map(|s| s.as_str().to_string());
    Ok(Some(serde_json::json!({ "table": table, "status": status })))
}

fn dynamo_error<E: std::error::Error + Send + Sync + 'static>(e: aws_sdk_dynamodb::error::SdkError<E>) -> AppError {
    AppError::unavailable(Dependency::Dynamodb, aws_sdk_dynamodb::error::DisplayErrorContext(e))
}

#[cfg(feature = "identity")]
fn key(jti: &str) -> AttributeValue {
    AttributeValue::S(format!("token#{jti}"))
}

impl DynamoTokens {
    pub fn new(sdk: &aws_config::SdkConfig, table: String) -> Self {
        Self { client: aws_sdk_dynamodb::Client::new(sdk), table }
    }

    pub async fn ping(&self) -> Result<Option<serde_json::Value>, AppError> {
        ping_table(&self.client, &self.table).await
    }
}

impl crate::domain::health::Probe for DynamoTokens {
    fn probe(&self) -> crate::domain::health::ProbeFuture<'_> {
        Box::pin(self.ping())
    }
}

#[cfg(feature = "identity")]
impl crate::domain::auth::TokenStore for DynamoTokens {
    async fn register(&self, claims: &crate::domain::auth::Claims) -> Result<(), AppError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", key(&claims.jti))
            .item("userId", AttributeValue::S(claims.sub.clone()))
            .item("expiresAt", AttributeValue::N(claims.exp.to_string()));
        if let Some(sid) = &claims.sid {
            put = put.item("sessionId", AttributeValue::S(sid.clone()));
        }
        put.send().await.map_err(dynamo_error)?;
        Ok(())
    }

    async fn is_active(&self, jti: &str) -> Result<bool, AppError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", key(jti))
            .consistent_read(true)
            .projection_expression("expiresAt")
            .send()
            .await
            .map_err(dynamo_error)?;
        // TTL deletion lags by up to days: an expired item still present is not active.
        let now = chrono::Utc::now().timestamp();
        Ok(out
            .item()
            .and_then(|i| i.get("expiresAt"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<i64>().ok())
            .is_some_and(|exp| exp > now))
    }

    async fn revoke(&self, jti: &str) -> Result<(), AppError> {
        self.client.delete_item().table_name(&self.table).key("pk", key(jti)).send().await.map_err(dynamo_error)?;
        Ok(())
    }
}

/// The tenant service's shared cache and rate counters (what Redis was in the original
/// service): one table, items `pk` → `value` with a TTL on `expiresAt`.
#[cfg(feature = "tenants")]
#[derive(Clone)]
pub struct DynamoCache {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

#[cfg(feature = "tenants")]
impl DynamoCache {
    pub fn new(sdk: &aws_config::SdkConfig, table: String) -> Self {
        Self { client: aws_sdk_dynamodb::Client::new(sdk), table }
    }

    pub async fn ping(&self) -> Result<Option<serde_json::Value>, AppError> {
        ping_table(&self.client, &self.table).await
    }
}

#[cfg(feature = "tenants")]
impl crate::domain::health::Probe for DynamoCache {
    fn probe(&self) -> crate::domain::health::ProbeFuture<'_> {
        Box::pin(self.ping())
    }
}

#[cfg(feature = "tenants")]
impl crate::domain::tenants::SharedCache for DynamoCache {
    async fn get(&self, key: &str) -> Result<Option<(String, i64)>, AppError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(key.to_string()))
            .send()
            .await
            .map_err(dynamo_error)?;
        let Some(item) = out.item() else { return Ok(None) };
        let value = item.get("value").and_then(|v| v.as_s().ok()).cloned();
        let expires = item.get("expiresAt").and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<i64>().ok());
        Ok(value.zip(expires))
    }

    async fn put(&self, key: &str, value: String, expires_at: i64) -> Result<(), AppError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(key.to_string()))
            .item("value", AttributeValue::S(value))
            .item("expiresAt", AttributeValue::N(expires_at.to_string()))
            .send()
            .await
            .map_err(dynamo_error)?;
        Ok(())
    }
}

/// Rate counters on any table keyed by `pk` with a TTL on `expiresAt` (the tenant cache,
/// the token store): items `rate#…` that expire after their window.
#[derive(Clone)]
pub struct DynamoCounter {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoCounter {
    pub fn new(sdk: &aws_config::SdkConfig, table: String) -> Self {
        Self { client: aws_sdk_dynamodb::Client::new(sdk), table }
    }
}

impl crate::domain::ratelimit::RateCounter for DynamoCounter {
    async fn hit(&self, key: &str, expires_at: i64) -> Result<u64, AppError> {
        // ADD is atomic: concurrent environments never lose a hit.
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(key.to_string()))
            .update_expression("ADD hits :one SET expiresAt = if_not_exists(expiresAt, :exp)")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":exp", AttributeValue::N(expires_at.to_string()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(dynamo_error)?;
        out.attributes()
            .and_then(|a| a.get("hits"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| AppError::internal("rate counter returned no count"))
    }
}
