//! Tables: created when missing (keys, attribute definitions, billing mode, secondary indexes),
//! and their TTL set. A table that exists with other keys or indexes is an error: changing keys
//! means a new table, which the emulator gets when it restarts (`ctl.sh restart aws`).

use super::retry;
use crate::error::{Error, Result};
use crate::stack::resources::{KeyElement, SecondaryIndex, Table, Throughput};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, LocalSecondaryIndex, Projection,
    ProjectionType, ProvisionedThroughput, ScalarAttributeType, TableStatus, TimeToLiveSpecification,
};
use std::time::Duration;

pub async fn table(ddb: &Client, table: &Table, endpoint: &str) -> Result<String> {
    let what = format!("DynamoDB table {}", table.name);
    let existing = retry(&what, || ddb.describe_table().table_name(&table.name).send()).await;
    let state = match existing {
        Ok(out) => {
            let Some(described) = out.table else {
                return Err(Error::aws(what, "DescribeTable returned no table"));
            };
            let keys: Vec<KeyElement> = described
                .key_schema()
                .iter()
                .map(|k| KeyElement {
                    attribute_name: k.attribute_name().to_owned(),
                    key_type: k.key_type().as_str().to_owned(),
                })
                .collect();
            if keys != table.spec.key_schema {
                return Err(Error::aws(
                    what,
                    "exists with another key schema; restart the emulator to recreate it (bash localstack/ctl.sh restart aws)",
                ));
            }
            let mut indexes: Vec<&str> =
                described.global_secondary_indexes().iter().filter_map(|i| i.index_name()).collect();
            let mut wanted: Vec<&str> =
                table.spec.global_secondary_indexes.iter().flatten().map(|i| i.index_name.as_str()).collect();
            indexes.sort_unstable();
            wanted.sort_unstable();
            if indexes != wanted {
                return Err(Error::aws(
                    what,
                    format!(
                        "has indexes {indexes:?}, the template {wanted:?}; restart the emulator (bash localstack/ctl.sh restart aws)"
                    ),
                ));
            }
            "exists "
        }
        Err(_) => {
            create(ddb, table, &what).await?;
            "created"
        }
    };
    let ttl = time_to_live(ddb, table, &what).await?;
    Ok(format!("  ddb   {:<28} {state}  {ttl} at {endpoint}", table.name))
}

async fn create(ddb: &Client, table: &Table, what: &str) -> Result<()> {
    let spec = &table.spec;
    let build = |e: aws_sdk_dynamodb::error::BuildError| Error::aws(what, e);
    let attributes = spec
        .attribute_definitions
        .iter()
        .map(|a| {
            AttributeDefinition::builder()
                .attribute_name(&a.attribute_name)
                .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(build)?;
    // CloudFormation's default billing mode is PROVISIONED.
    let billing = BillingMode::from(spec.billing_mode.as_deref().unwrap_or("PROVISIONED"));
    let mut request = ddb
        .create_table()
        .table_name(&table.name)
        .set_attribute_definitions(Some(attributes))
        .set_key_schema(Some(key_schema(&spec.key_schema).map_err(build)?))
        .billing_mode(billing.clone());
    if let Some(t) = &spec.provisioned_throughput {
        request = request.provisioned_throughput(throughput(t).map_err(build)?);
    }
    for index in spec.global_secondary_indexes.iter().flatten() {
        let mut gsi = GlobalSecondaryIndex::builder()
            .index_name(&index.index_name)
            .set_key_schema(Some(key_schema(&index.key_schema).map_err(build)?))
            .projection(projection(index));
        if let Some(t) = &index.provisioned_throughput {
            gsi = gsi.provisioned_throughput(throughput(t).map_err(build)?);
        }
        request = request.global_secondary_indexes(gsi.build().map_err(build)?);
    }
    for index in spec.local_secondary_indexes.iter().flatten() {
        let lsi = LocalSecondaryIndex::builder()
            .index_name(&index.index_name)
            .set_key_schema(Some(key_schema(&index.key_schema).map_err(build)?))
            .projection(projection(index))
            .build()
            .map_err(build)?;
        request = request.local_secondary_indexes(lsi);
    }
    retry(what, || request.clone().send()).await?;
    // The emulators make tables ACTIVE at once; wait anyway rather than race the first write.
    for _ in 0..60 {
        let out = retry(what, || ddb.describe_table().table_name(&table.name).send()).await?;
        if out.table.and_then(|t| t.table_status) == Some(TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(Error::aws(what, "did not become ACTIVE within 30 s"))
}

async fn time_to_live(ddb: &Client, table: &Table, what: &str) -> Result<String> {
    let Some(spec) = table.spec.time_to_live_specification.as_ref().filter(|t| t.enabled) else {
        return Ok("no TTL".to_owned());
    };
    let attribute =
        spec.attribute_name.clone().ok_or_else(|| Error::aws(what, "TimeToLiveSpecification has no AttributeName"))?;
    let out = retry(what, || ddb.describe_time_to_live().table_name(&table.name).send()).await?;
    let current = out.time_to_live_description;
    let status = current.as_ref().and_then(|c| c.time_to_live_status.as_ref()).map(|s| s.as_str().to_owned());
    let enabled = matches!(status.as_deref(), Some("ENABLED" | "ENABLING"));
    if !enabled || current.as_ref().and_then(|c| c.attribute_name.as_deref()) != Some(attribute.as_str()) {
        let ttl = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(&attribute)
            .build()
            .map_err(|e| Error::aws(what, e))?;
        retry(what, || {
            ddb.update_time_to_live().table_name(&table.name).time_to_live_specification(ttl.clone()).send()
        })
        .await?;
    }
    Ok(format!("TTL {attribute}"))
}

fn key_schema(keys: &[KeyElement]) -> Result<Vec<KeySchemaElement>, aws_sdk_dynamodb::error::BuildError> {
    keys.iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(&k.attribute_name)
                .key_type(KeyType::from(k.key_type.as_str()))
                .build()
        })
        .collect()
}

fn throughput(t: &Throughput) -> Result<ProvisionedThroughput, aws_sdk_dynamodb::error::BuildError> {
    ProvisionedThroughput::builder()
        .read_capacity_units(t.read_capacity_units)
        .write_capacity_units(t.write_capacity_units)
        .build()
}

fn projection(index: &SecondaryIndex) -> Projection {
    Projection::builder()
        .set_projection_type(index.projection.projection_type.as_deref().map(ProjectionType::from))
        .set_non_key_attributes(index.projection.non_key_attributes.clone())
        .build()
}
