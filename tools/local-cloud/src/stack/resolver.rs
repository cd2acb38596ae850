//! What the template's names mean in the local cloud: parameters with their deployed values,
//! pseudo parameters, conditions, and each resource's local physical id and attributes.
//!
//! Physical names follow CloudFormation: the template's name property when it has one
//! (`QueueName`, `TableName`, `BucketName`, `FunctionName`), else a generated one. CloudFormation
//! generates `<stack>-<LogicalId>-<random>`; locally the random part is left out so that names
//! stay the same from one start to the next (and buckets are lower-cased, as S3 requires).

use crate::error::Problem;
use crate::intrinsics::{self, Lookup};
use crate::parameters::Parameter;
use crate::template::{Resource, Template};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// The API id `Ref` gives for an HTTP API (API Gateway makes up a random one).
pub const LOCAL_API_ID: &str = "local";

pub struct Resolver<'a> {
    pub template: &'a Template,
    pub stack_name: String,
    pub region: String,
    pub account_id: String,
    /// Where the emulator serves SQS, for queue URLs.
    pub sqs_endpoint: String,
    pub emulator: crate::parameters::EmulatorKind,
    /// The local HTTP API's base URL (`GetAtt <HttpApi>.ApiEndpoint`).
    pub gateway_url: String,
    parameters: BTreeMap<String, Value>,
    /// `None` while being evaluated: a condition that refers to itself is caught.
    conditions: RefCell<BTreeMap<String, Option<bool>>>,
    names: RefCell<BTreeMap<String, Option<String>>>,
}

impl<'a> Resolver<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        template: &'a Template,
        parameters: &[Parameter],
        stack_name: &str,
        region: &str,
        emulator: crate::parameters::EmulatorKind,
        sqs_endpoint: &str,
        gateway_url: &str,
    ) -> Self {
        Self {
            template,
            stack_name: stack_name.to_owned(),
            region: region.to_owned(),
            account_id: emulator.account_id().to_owned(),
            sqs_endpoint: sqs_endpoint.to_owned(),
            emulator,
            gateway_url: gateway_url.to_owned(),
            parameters: parameters.iter().map(|p| (p.name.clone(), p.value.clone())).collect(),
            conditions: RefCell::default(),
            names: RefCell::default(),
        }
    }

    /// Whether a resource exists in this deployment (its `Condition`, if any, is true).
    pub fn exists(&self, resource: &Resource<'_>) -> Result<bool, Problem> {
        match resource.condition() {
            None => Ok(true),
            Some(name) => self.condition(name),
        }
    }

    /// The physical name of a resource that has one (queue, table, bucket, function, API).
    pub fn physical_name(&self, logical_id: &str) -> Result<String, Problem> {
        if let Some(Some(name)) = self.names.borrow().get(logical_id) {
            return Ok(name.clone());
        }
        if self.names.borrow().get(logical_id).is_some() {
            return Err(Problem::new(format!("Resources.{logical_id}"), "its name refers back to itself"));
        }
        let resource = self
            .template
            .resource(logical_id)
            .ok_or_else(|| Problem::new(format!("Resources.{logical_id}"), "no such resource"))?;
        if !self.exists(&resource)? {
            return Err(Problem::new(
                format!("Resources.{logical_id}"),
                format!("not created: its Condition {} is false", resource.condition().unwrap_or_default()),
            ));
        }
        self.names.borrow_mut().insert(logical_id.to_owned(), None);
        let name = self.name_of(&resource);
        match &name {
            Ok(name) => self.names.borrow_mut().insert(logical_id.to_owned(), Some(name.clone())),
            Err(_) => self.names.borrow_mut().remove(logical_id),
        };
        name
    }

    fn name_of(&self, resource: &Resource<'_>) -> Result<String, Problem> {
        let logical_id = resource.logical_id;
        let named = |key: &str| -> Result<Option<String>, Problem> {
            match resource.property(key) {
                Value::Null => Ok(None),
                v => intrinsics::resolve_text(v, &resource.at(key), self).map(Some),
            }
        };
        let generated = format!("{}-{logical_id}", self.stack_name);
        let name = match resource.ty {
            "AWS::SQS::Queue" => named("QueueName")?.unwrap_or(generated),
            "AWS::DynamoDB::Table" => named("TableName")?.unwrap_or(generated),
            "AWS::S3::Bucket" => named("BucketName")?.unwrap_or_else(|| generated.to_ascii_lowercase()),
            "AWS::Serverless::Function" | "AWS::Lambda::Function" => named("FunctionName")?.unwrap_or(generated),
            "AWS::Serverless::HttpApi" | "AWS::ApiGatewayV2::Api" => LOCAL_API_ID.to_owned(),
            other => {
                return Err(Problem::new(
                    format!("Resources.{logical_id}"),
                    format!(
                        "a {other} has no local counterpart: only queues, tables, buckets, functions and the HTTP API do"
                    ),
                ));
            }
        };
        Ok(name)
    }

    pub fn queue_url(&self, name: &str) -> String {
        self.emulator.queue_url(&self.sqs_endpoint, &self.region, name)
    }

    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!("arn:aws:{service}:{}:{}:{resource}", self.region, self.account_id)
    }
}

impl Lookup for Resolver<'_> {
    fn parameter(&self, name: &str) -> Option<Value> {
        Some(match name {
            "AWS::Region" => self.region.clone().into(),
            "AWS::AccountId" => self.account_id.clone().into(),
            "AWS::StackName" => self.stack_name.clone().into(),
            "AWS::StackId" => self
                .arn("cloudformation", &format!("stack/{}/00000000-0000-0000-0000-000000000000", self.stack_name))
                .into(),
            "AWS::Partition" => "aws".into(),
            "AWS::URLSuffix" => "amazonaws.com".into(),
            "AWS::NotificationARNs" => Value::Array(Vec::new()),
            _ => return self.parameters.get(name).cloned(),
        })
    }

    fn condition(&self, name: &str) -> Result<bool, Problem> {
        let at = format!("Conditions.{name}");
        match self.conditions.borrow().get(name) {
            Some(Some(value)) => return Ok(*value),
            Some(None) => return Err(Problem::new(at, "refers back to itself")),
            None => {}
        }
        let expr = self
            .template
            .section("Conditions")
            .get(name)
            .ok_or_else(|| Problem::new(&at, "no such condition in the Conditions section"))?;
        self.conditions.borrow_mut().insert(name.to_owned(), None);
        let value = intrinsics::condition(expr, &at, self);
        match value {
            Ok(v) => self.conditions.borrow_mut().insert(name.to_owned(), Some(v)),
            Err(_) => self.conditions.borrow_mut().remove(name),
        };
        value
    }

    fn resource_ref(&self, logical_id: &str) -> Option<Result<String, Problem>> {
        let resource = self.template.resource(logical_id)?;
        Some(match resource.ty {
            "AWS::SQS::Queue" => self.physical_name(logical_id).map(|name| self.queue_url(&name)),
            _ => self.physical_name(logical_id),
        })
    }

    fn get_att(&self, logical_id: &str, attribute: &str) -> Result<Value, Problem> {
        let resource = self
            .template
            .resource(logical_id)
            .ok_or_else(|| Problem::new("", format!("GetAtt {logical_id}.{attribute}: no resource {logical_id}")))?;
        let name = self.physical_name(logical_id)?;
        let region = &self.region;
        let value = match (resource.ty, attribute) {
            ("AWS::SQS::Queue", "Arn") => self.arn("sqs", &name),
            ("AWS::SQS::Queue", "QueueName") => name,
            ("AWS::SQS::Queue", "QueueUrl") => self.queue_url(&name),
            ("AWS::DynamoDB::Table", "Arn") => self.arn("dynamodb", &format!("table/{name}")),
            ("AWS::S3::Bucket", "Arn") => format!("arn:aws:s3:::{name}"),
            ("AWS::S3::Bucket", "DomainName") => format!("{name}.s3.amazonaws.com"),
            ("AWS::S3::Bucket", "RegionalDomainName") => format!("{name}.s3.{region}.amazonaws.com"),
            ("AWS::S3::Bucket", "DualStackDomainName") => format!("{name}.s3.dualstack.{region}.amazonaws.com"),
            ("AWS::S3::Bucket", "WebsiteURL") => format!("http://{name}.s3-website-{region}.amazonaws.com"),
            ("AWS::Serverless::Function" | "AWS::Lambda::Function", "Arn") => {
                self.arn("lambda", &format!("function:{name}"))
            }
            ("AWS::Serverless::HttpApi" | "AWS::ApiGatewayV2::Api", "ApiEndpoint") => self.gateway_url.clone(),
            ("AWS::Serverless::HttpApi" | "AWS::ApiGatewayV2::Api", "ApiId") => name,
            (ty, _) => {
                return Err(Problem::new(
                    "",
                    format!("GetAtt {logical_id}.{attribute}: the local cloud has no {attribute} for a {ty}"),
                ));
            }
        };
        Ok(Value::String(value))
    }

    fn mapping(&self, map: &str, top: &str, second: &str) -> Option<Value> {
        self.template.section("Mappings").get(map)?.get(top)?.get(second).cloned()
    }
}
